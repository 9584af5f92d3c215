// The operations the fuzzer runs, as a list that is a pure function of the seed (so
// `--seed N` replays it), and how one is applied to a client's folder. Paths come from a
// small pool so that devices meet on the same names: edits, moves and type changes collide.
// An operation whose precondition the disk does not meet (a move of a file that is gone) is
// skipped, which keeps the list the same whatever the sync did in between.

import { appendFile, mkdir, readFile, readdir, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createCipheriv, createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { BLOCK_SIZE } from '../../shared/common/blocks.js';
import { blockHashOf, contentHashOf } from '../../shared/node/blocks/content-hash.js';
import type { Prng } from './prng.js';

export const DEVICES = 3;
const DIRS = ['', 'd0', 'd1', 'd0/e'];
const NAMES = ['a.txt', 'b.txt', 'c.bin'];
const FILES = DIRS.flatMap((d) => NAMES.map((n) => (d ? `${d}/${n}` : n)));
const NODES = [...FILES, ...DIRS.filter((d) => d !== '')];
const BIG = [BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1];
const EDGE = [0, 1, 65_535, 65_536, 65_537];

export type Fault =
  | { kind: 'kill_upload'; dev: number; path: string; size: number; salt: number }
  | { kind: 'kill_download'; dev: number; writer: number; path: string; size: number; salt: number }
  | { kind: 'server_kill'; downMs: number }
  | { kind: 'blocks_down'; downMs: number }
  | { kind: 's3_down'; downMs: number }
  | { kind: 'bit_flip'; pick: number; bit: number }
  | { kind: 'cut'; dev: number; bytes: number };

export type Op =
  | { kind: 'write'; dev: number; path: string; size: number; salt: number }
  | { kind: 'append'; dev: number; path: string; size: number; salt: number }
  | { kind: 'truncate'; dev: number; path: string; size: number }
  | { kind: 'delete'; dev: number; path: string }
  | { kind: 'rename'; dev: number; from: string; to: string }
  | { kind: 'retype'; dev: number; path: string; salt: number }
  | { kind: 'same'; devs: [number, number]; path: string; size: number; salt: number }
  | { kind: 'wait'; ms: number }
  | { kind: 'fault'; fault: Fault };

function size(rng: Prng): number {
  const r = rng.next();
  if (r < 0.06) return rng.pick(BIG);
  if (r < 0.25) return rng.pick(EDGE);
  return rng.int(4000);
}

function fault(rng: Prng, split: boolean): Fault {
  const kinds = ['kill_upload', 'kill_download', 'server_kill', 'blocks_down', 'bit_flip', 'cut', 'cut', ...(split ? ['s3_down'] : [])];
  const kind = rng.pick(kinds);
  const dev = rng.int(DEVICES);
  switch (kind) {
    case 'kill_upload':
      return { kind, dev, path: rng.pick(FILES), size: BLOCK_SIZE * 2 + rng.int(BLOCK_SIZE), salt: rng.int(2 ** 31) };
    case 'kill_download':
      return { kind, dev, writer: (dev + 1 + rng.int(DEVICES - 1)) % DEVICES, path: rng.pick(FILES), size: BLOCK_SIZE * 2 + rng.int(BLOCK_SIZE), salt: rng.int(2 ** 31) };
    case 'server_kill':
    case 'blocks_down':
    case 's3_down':
      return { kind, downMs: 200 + rng.int(1500) };
    case 'bit_flip':
      return { kind, pick: rng.int(2 ** 31), bit: rng.int(8) };
    default:
      return { kind: 'cut', dev, bytes: rng.pick([10, 100, 300, 5000, 70_000, 1_000_000]) };
  }
}

/** The seed's operation list: `count` operations, about one in eight a fault. */
export function generate(rng: Prng, count: number, split: boolean): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    const dev = rng.int(DEVICES);
    const salt = rng.int(2 ** 31);
    if (r < 0.12) ops.push({ kind: 'fault', fault: fault(rng, split) });
    else if (r < 0.36) ops.push({ kind: 'write', dev, path: rng.pick(FILES), size: size(rng), salt });
    else if (r < 0.44) ops.push({ kind: 'append', dev, path: rng.pick(FILES), size: 1 + rng.int(3000), salt });
    else if (r < 0.5) ops.push({ kind: 'truncate', dev, path: rng.pick(FILES), size: rng.pick([0, 1, 100, 5000]) });
    else if (r < 0.58) ops.push({ kind: 'delete', dev, path: rng.pick(NODES) });
    else if (r < 0.68) ops.push({ kind: 'rename', dev, from: rng.pick(NODES), to: rng.pick(NODES) });
    else if (r < 0.74) ops.push({ kind: 'retype', dev, path: rng.pick(NODES), salt });
    else if (r < 0.8) ops.push({ kind: 'same', devs: [dev, (dev + 1 + rng.int(DEVICES - 1)) % DEVICES], path: rng.pick(FILES), size: size(rng), salt });
    else ops.push({ kind: 'wait', ms: rng.pick([50, 200, 600, 1500]) });
  }
  return ops;
}

/** `size` bytes that only `salt` produces (AES-CTR keystream: fast for 4 MiB files). */
export function contentOf(salt: number, size: number): Buffer {
  const key = createHash('sha256').update(`hsync-fuzz-${salt}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/** The content hash the server computes for these bytes (blocks of 4 MiB). */
export function contentHash(bytes: Buffer): string {
  const hashes: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += BLOCK_SIZE) hashes.push(blockHashOf(bytes.subarray(offset, offset + BLOCK_SIZE)));
  return contentHashOf(hashes);
}

/** What applying an operation did to one folder: the versions it wrote, the ones it replaced. */
export interface Applied {
  /** Content hashes now on disk that this operation wrote. */
  wrote: { path: string; hash: string }[];
  /** Content hashes that were on disk and that this operation removed or overwrote. */
  replaced: string[];
  skipped?: string;
}

/** Content hashes of every file at or under `path` (nothing when absent). */
async function hashesAt(full: string): Promise<string[]> {
  const info = await stat(full).catch(() => null);
  if (!info) return [];
  if (info.isFile()) return [contentHash(await readFile(full))];
  if (!info.isDirectory()) return [];
  const out: string[] = [];
  for (const name of await readdir(full)) out.push(...(await hashesAt(join(full, name))));
  return out;
}

const SKIPPABLE = new Set(['ENOENT', 'ENOTDIR', 'EEXIST', 'EISDIR', 'ENOTEMPTY', 'EINVAL']);

/** Applies a folder operation (not wait or fault) to one device's folder `root`. */
export async function apply(root: string, op: Op): Promise<Applied> {
  try {
    return await applyUnsafe(root, op);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && SKIPPABLE.has(code)) return { wrote: [], replaced: [], skipped: code };
    throw error;
  }
}

async function applyUnsafe(root: string, op: Op): Promise<Applied> {
  const at = (p: string) => join(root, p);
  switch (op.kind) {
    case 'write':
    case 'same': {
      const bytes = contentOf(op.salt, op.size);
      await mkdir(dirname(at(op.path)), { recursive: true });
      const replaced = await hashesAt(at(op.path));
      await writeFile(at(op.path), bytes);
      return { wrote: [{ path: op.path, hash: contentHash(bytes) }], replaced };
    }
    case 'append': {
      const before = await readFile(at(op.path));
      const extra = contentOf(op.salt, op.size);
      await appendFile(at(op.path), extra);
      return { wrote: [{ path: op.path, hash: contentHash(Buffer.concat([before, extra])) }], replaced: [contentHash(before)] };
    }
    case 'truncate': {
      const before = await readFile(at(op.path));
      await truncate(at(op.path), op.size);
      const after = Buffer.concat([before.subarray(0, op.size), Buffer.alloc(Math.max(0, op.size - before.length))]);
      return { wrote: [{ path: op.path, hash: contentHash(after) }], replaced: [contentHash(before)] };
    }
    case 'delete': {
      const replaced = await hashesAt(at(op.path));
      if (replaced.length === 0 && !(await stat(at(op.path)).catch(() => null))) return { wrote: [], replaced, skipped: 'ENOENT' };
      await rm(at(op.path), { recursive: true, force: true });
      return { wrote: [], replaced };
    }
    case 'rename': {
      if (op.from === op.to || op.to.startsWith(`${op.from}/`)) return { wrote: [], replaced: [], skipped: 'EINVAL' };
      await stat(at(op.from));
      await mkdir(dirname(at(op.to)), { recursive: true });
      const target = await stat(at(op.to)).catch(() => null);
      const replaced = target?.isFile() ? await hashesAt(at(op.to)) : [];
      await rename(at(op.from), at(op.to));
      return { wrote: [], replaced };
    }
    case 'retype': {
      const info = await stat(at(op.path));
      const replaced = await hashesAt(at(op.path));
      await rm(at(op.path), { recursive: true, force: true });
      const bytes = contentOf(op.salt, 100 + (op.salt % 900));
      const child = info.isFile() ? `${op.path}/x.txt` : op.path;
      await mkdir(dirname(at(child)), { recursive: true });
      await writeFile(at(child), bytes);
      return { wrote: [{ path: child, hash: contentHash(bytes) }], replaced };
    }
    default:
      throw new Error(`apply: ${op.kind} is not a folder operation`);
  }
}
