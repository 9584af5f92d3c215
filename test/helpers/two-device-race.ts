// Two devices of one account racing on the same names: the rounds they sync in, and the
// checks a user would make afterwards (the same files and bytes on both disks and on the
// server, and every version either device saved still somewhere: at its path, in a
// conflicted copy of it, or in the server's revisions).

import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalEntry } from '../../shared/common/protocol.js';
import { blockHashOf, contentHashOf } from '../../shared/node/blocks/content-hash.js';
import { conflictCopyPath } from '../../shared/node/engine/conflict-name.js';
import { parseConflictCopy } from '../../shared/node/engine/conflicts.js';
import type { SyncFixture, TestClient } from './sync-client.js';

/** Who syncs first after both devices changed the same names while apart. */
export const ORDERS = ['A syncs first', 'B syncs first'] as const;
export type Order = (typeof ORDERS)[number];

/** A and B of a new user, both synced on `setup` (path → text); first/second by `order`. */
export async function racingPair(fx: SyncFixture, setup: Record<string, string>, order: Order) {
  const [a, b] = await fx.pair();
  for (const [path, text] of Object.entries(setup)) await a.write(path, text);
  await a.sync();
  await b.sync();
  const [first, second] = order === ORDERS[0] ? [a, b] : [b, a];
  return { a, b, first, second };
}

/** The name `device`'s copy of `path` gets in a conflict today. */
export const copyOf = (path: string, device: TestClient) => conflictCopyPath(path, device.device, Date.now(), () => false);

/** Replaces the file at `path` with a folder holding `inside`. */
export async function toFolder(c: TestClient, path: string, inside: string, text: string): Promise<void> {
  await rm(join(c.root, path));
  await c.write(`${path}/${inside}`, text);
}

/** Replaces the folder at `path` with a file. */
export async function toFile(c: TestClient, path: string, text: string): Promise<void> {
  await rm(join(c.root, path), { recursive: true });
  await c.write(path, text);
}

/** One version a device saved: its path and bytes. */
export interface SavedVersion {
  device: string;
  path: string;
  text: string;
}

/** The content hash of a small (one-block) file's text, as the server lists it. */
export function hashOfText(text: string): string {
  const bytes = Buffer.from(text);
  return contentHashOf(bytes.length === 0 ? [] : [blockHashOf(bytes)]);
}

/** The server's live tree: path → content hash of the latest entry that is not a deletion. */
export async function serverLive(c: TestClient): Promise<Record<string, string>> {
  const latest = new Map<string, JournalEntry>();
  for (const e of (await c.remote.list(0, 5000)).entries) if ((latest.get(e.path)?.id ?? -1) < e.id) latest.set(e.path, e);
  const out: Record<string, string> = {};
  for (const e of [...latest.values()].sort((x, y) => (x.path < y.path ? -1 : 1))) if (!e.deleted) out[e.path] = e.contentHash!;
  return out;
}

/**
 * Syncs `first`, then `second` (both have now seen the other's change), then one more round
 * of each: every cycle must end agreed, and the last round must leave both converged.
 */
export async function raceRounds(first: TestClient, second: TestClient): Promise<void> {
  for (const c of [first, second, first, second]) {
    const outcome = await c.sync(true);
    assert.equal(outcome.agreed, true, `${c.device}: ${outcome.reason}`);
  }
}

/** Both disks hold exactly `expected` (path → text), the server's live tree the same, no problems. */
export async function assertBothHold(a: TestClient, b: TestClient, expected: Record<string, string>): Promise<void> {
  const paths = Object.keys(expected).sort();
  for (const c of [a, b]) {
    assert.deepEqual(await c.files(), paths, c.device);
    for (const path of paths) assert.equal(await c.read(path), expected[path], `${c.device}: ${path}`);
    assert.deepEqual([...c.engine.getStatus().problems], [], c.device);
  }
  const hashes: Record<string, string> = {};
  for (const path of paths) hashes[path] = hashOfText(expected[path]);
  assert.deepEqual(await serverLive(a), hashes, 'the server live tree');
}

/**
 * Every saved version is still somewhere on both devices (at its path or in a conflicted
 * copy of it) or in the server's revisions of its path.
 */
export async function assertNothingLost(a: TestClient, b: TestClient, versions: SavedVersion[]): Promise<void> {
  for (const v of versions) {
    const what = `${v.device}'s "${v.path}" (${JSON.stringify(v.text)})`;
    const onDisk = await Promise.all([a, b].map((c) => heldAtOrBeside(c, v.path, v.text)));
    if (onDisk[0] && onDisk[1]) continue;
    assert.equal(onDisk[0] || onDisk[1], false, `${what} is on one device only`);
    const history = await a.remote.revisions(v.path);
    assert.ok(history.some((e) => e.contentHash === hashOfText(v.text)), `${what} is lost: not on either disk nor in the server's revisions`);
  }
}

async function heldAtOrBeside(c: TestClient, path: string, text: string): Promise<boolean> {
  for (const file of await c.files()) {
    if (file !== path && parseConflictCopy(file)?.original !== path) continue;
    if ((await readFile(join(c.root, file), 'utf8')) === text) return true;
  }
  return false;
}
