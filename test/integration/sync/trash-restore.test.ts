// The local trash and `hsync restore` (docs/engine.md "The local trash", "Restore"): a file a
// remote deletion takes off this device waits in <root>/.hsync/trash/ and comes back with the
// server stopped; server revisions come back by number or as of a time, folders included; a
// different file in the way is kept; the trash is swept by age and by size.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { makeClient, removeDirs, syncFixture, type TestClient } from '../../helpers/sync-client.js';

const fx = syncFixture();
const today = () => new Date().toISOString().slice(0, 10);
const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

interface TrashLine {
  path: string;
  trashedAt: number;
  size: number;
  reason: string;
  rev: number | null;
}

async function trashOf(folder: string): Promise<TrashLine[]> {
  const r = await runHsync(['trash', '--folder', folder, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { entries: TrashLine[] }).entries;
}

/** The server's live entry per path for this token. */
async function serverLive(url: string, token: string): Promise<Map<string, string>> {
  const remote = new HttpRemote(url, token);
  const live = new Map<string, string | null>();
  for (let cursor = 0; ;) {
    const page = await remote.list(cursor, 1000);
    for (const e of page.entries) live.set(e.path, e.deleted ? null : e.contentHash);
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  remote.close();
  return new Map([...live].filter((kv): kv is [string, string] => kv[1] !== null));
}

function restore(client: TestClient, token: string, ...args: string[]) {
  return runHsync(['restore', ...args, '--folder', client.root, '--server', fx.server.url, '--device', client.device], { HSYNC_TOKEN: token });
}

const ownServers: ServerProcess[] = [];
const ownDirs: string[] = [];
after(async () => {
  await removeDirs(...ownDirs);
  for (const s of ownServers) await s.dispose();
});

/** A server of the test's own (to stop it) and two devices of a new user on it. */
async function pairOnOwnServer(user: string) {
  const server = await startServerProcess();
  ownServers.push(server);
  const token = await server.addUser(user);
  const a = await makeClient(server.url, token, 'laptop');
  const b = await makeClient(server.url, token, 'desktop');
  ownDirs.push(a.root, a.stateDir, b.root, b.stateDir);
  return { server, token, a, b };
}

test('a file deleted on another device goes to the local trash, and hsync restore brings it back with the server stopped', async () => {
  const { server, token, a: laptop, b } = await pairOnOwnServer('offline');
  let a = laptop;
  const bytes = 'the plan, kept only here once the server forgets it '.repeat(40);
  await a.write('notes/plan.txt', bytes);
  await a.write('notes/other.txt', 'stays');
  await a.sync();
  await b.sync();
  await rm(join(b.root, 'notes/plan.txt'));
  await b.sync();
  await a.sync();
  assert.deepEqual(await a.files(), ['notes/other.txt'], 'the deletion reached A');
  const trash = await trashOf(a.root);
  assert.deepEqual(trash.map((e) => [e.path, e.reason, e.size]), [['notes/plan.txt', 'deleted', bytes.length]]);
  const kept = (await readdir(join(a.root, '.hsync', 'trash'))).filter((n) => n.endsWith('.data'));
  assert.equal(sha(await readFile(join(a.root, '.hsync', 'trash', kept[0]))), sha(bytes), 'the trash holds the bytes');

  // Offline, and with no server named: the trash alone answers.
  await a.close();
  await b.close();
  await server.stop();
  const r = await runHsync(['restore', 'notes/plan.txt', '--folder', a.root]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^restored notes\/plan\.txt \(from the local trash, removed \d{4}-.*\); it uploads on the next sync$/m);
  assert.equal(await a.read('notes/plan.txt'), bytes);
  assert.deepEqual(await trashOf(a.root), [], 'moved out of the trash, not copied');
  const again = await runHsync(['restore', 'notes/plan.txt', '--folder', a.root, '--server', server.url], { HSYNC_TOKEN: token });
  assert.equal(again.code, 1, 'nothing left in the trash, and the server is down');
  assert.match(again.stderr, /^hsync restore: /);

  // Back online, the next sync makes it live again; the other device gets it.
  await server.restart();
  a = await makeClient(server.url, token, 'laptop', { root: a.root, stateDir: a.stateDir });
  const b2 = await makeClient(server.url, token, 'desktop', { root: b.root, stateDir: b.stateDir });
  await a.sync();
  await b2.sync();
  assert.equal(await b2.read('notes/plan.txt'), bytes);
  assert.equal((await serverLive(server.url, token)).get('notes/plan.txt'), (await a.engine.index.base.get('notes/plan.txt'))?.contentHash);
  await a.close();
  await b2.close();
});

test('a remote overwrite of a locally edited file with a 255-byte name keeps the local bytes as a conflicted copy within 255 bytes', async () => {
  const [a, b, token] = await fx.pair();
  const name = `${'é'.repeat(125)}.txt`; // 254 bytes
  await a.write(name, 'v1');
  await a.sync();
  await b.sync();
  await a.write(name, 'edited here, not synced yet');
  await b.write(name, 'edited there');
  await b.sync();
  await a.sync();
  const files = await a.files();
  assert.equal(files.length, 2, files.join(', '));
  const copy = files.find((f) => f !== name)!;
  assert.ok(Buffer.byteLength(copy) <= 255, `${Buffer.byteLength(copy)} bytes`);
  assert.ok(copy.endsWith(`(laptop's conflicted copy ${today()}).txt`), copy);
  assert.equal(await a.read(name), 'edited there');
  assert.equal(await a.read(copy), 'edited here, not synced yet');
  const live = await serverLive(fx.server.url, token);
  assert.equal(live.get(copy), a.engine.index.base.get(copy)?.contentHash, 'the copy is on the server');
  await b.sync();
  assert.equal(await b.read(copy), 'edited here, not synced yet');
});

test('hsync restore --at T with the server stopped brings back, from the local trash, the version this device held at T (a file, and a folder)', async () => {
  const { server, token, a, b } = await pairOnOwnServer('offline-at');
  const tick = async () => {
    const now = Date.now();
    while (Date.now() <= now + 2) await new Promise((resolve) => setTimeout(resolve, 2));
    return now + 1;
  };
  // Two versions of notes/plan.txt, each deleted on the desktop: both reach the laptop's trash.
  await a.write('notes/plan.txt', 'first plan');
  await a.sync();
  await b.sync();
  const atFirst = await tick();
  await rm(join(b.root, 'notes/plan.txt'));
  await b.sync();
  await a.sync();
  await b.write('notes/plan.txt', 'second plan');
  await b.sync();
  await a.sync();
  const atSecond = await tick();
  await rm(join(b.root, 'notes/plan.txt'));
  await b.sync();
  await a.sync();
  const afterAll = await tick();
  assert.deepEqual((await trashOf(a.root)).map((e) => [e.path, e.reason, e.size]).sort(), [['notes/plan.txt', 'deleted', 10], ['notes/plan.txt', 'deleted', 11]]);
  await a.close();
  await b.close();
  await server.stop();

  const at = (when: number, what: string) => runHsync(['restore', what, '--at', new Date(when).toISOString(), '--folder', a.root, '--server', server.url, '--device', 'laptop'], { HSYNC_TOKEN: token });
  const none = await at(afterAll, 'notes/plan.txt');
  assert.equal(none.code, 1, 'the trash holds no copy this device had after the last removal, and the server is down');
  assert.match(none.stderr, /^hsync restore: /);
  assert.equal((await trashOf(a.root)).length, 2, 'nothing taken');
  const first = await at(atFirst, 'notes/plan.txt');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /the server could not be asked .*; restoring from the local trash only/);
  assert.match(first.stdout, /^restored notes\/plan\.txt \(from the local trash, removed \d{4}-.*\); it uploads on the next sync$/m);
  assert.equal(await a.read('notes/plan.txt'), 'first plan');

  const second = await at(atSecond, 'notes');
  assert.equal(second.code, 0, second.stderr);
  assert.equal(await a.read('notes/plan.txt'), 'second plan', 'the folder as it was at the second time');
  assert.equal(await a.read(`notes/plan (laptop's conflicted copy ${today()}).txt`), 'first plan', 'the file in the way is kept');
  assert.deepEqual(await trashOf(a.root), [], 'both versions moved out of the trash, not copied');

});

test('hsync restore --rev brings back a revision of a deleted file and commits it; a missing revision is exit 3', async () => {
  const [a, b, token] = await fx.pair();
  await a.write('report.txt', 'first draft');
  await a.sync();
  await a.write('report.txt', 'second draft, longer');
  await a.sync();
  await rm(join(a.root, 'report.txt'));
  await a.sync();
  await b.sync();
  const revisions = await a.remote.revisions('report.txt');
  const first = revisions.find((r) => !r.deleted && r.size === 'first draft'.length)!;

  const r = await restore(a, token, 'report.txt', '--rev', String(first.rev));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^restored report\\.txt \\(revision ${first.rev} of .*\\); committed as revision \\d+$`, 'm'));
  assert.equal(await a.read('report.txt'), 'first draft');
  assert.equal((await serverLive(fx.server.url, token)).get('report.txt'), first.contentHash, 'live again on the server');
  await a.sync();
  await b.sync();
  assert.equal(await b.read('report.txt'), 'first draft');
  assert.deepEqual(await a.files(), ['report.txt'], 'no copy: nothing stood at the name');

  const same = await restore(a, token, 'report.txt', '--rev', String(first.rev));
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /^report\.txt already holds revision/m);

  // --to: another name, uploaded by the next sync; the file at the old name is untouched.
  const second = revisions.find((r) => !r.deleted && r.size === 'second draft, longer'.length)!;
  const aside = await restore(a, token, 'report.txt', '--rev', String(second.rev), '--to', 'old/report v2.txt');
  assert.equal(aside.code, 0, aside.stderr);
  assert.match(aside.stdout, /^restored old\/report v2\.txt \(revision \d+ of .*\); it uploads on the next sync$/m);
  assert.equal(await a.read('old/report v2.txt'), 'second draft, longer');
  assert.equal(await a.read('report.txt'), 'first draft');
  await a.sync();
  await b.sync();
  assert.equal(await b.read('old/report v2.txt'), 'second draft, longer');

  const missing = await restore(a, token, 'report.txt', '--rev', '999999');
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no revision 999999/);
  const nothing = await restore(a, token, 'never.txt');
  assert.equal(nothing.code, 3);
  const bad = await restore(a, token, 'report.txt', '--rev', '2', '--at', '5');
  assert.equal(bad.code, 2);
});

test('hsync restore DIR --at T puts every file under it back as it was at T and leaves newer files; a different local file is kept', async () => {
  const [a, b, token] = await fx.pair();
  await a.write('docs/a.txt', 'a at T');
  await a.write('docs/b.txt', 'b at T');
  await a.write('docs/deep/c.txt', 'c at T');
  await a.write('other.txt', 'outside the folder');
  await a.sync();
  await b.sync();
  const atT = await Promise.all(['docs/a.txt', 'docs/b.txt', 'docs/deep/c.txt'].map(async (p) => (await a.remote.revisions(p))[0]));
  const at = Math.max(...atT.map((e) => e.committedAt));
  while (Date.now() <= at + 2) await new Promise((resolve) => setTimeout(resolve, 2));
  await a.write('docs/a.txt', 'a later');
  await rm(join(a.root, 'docs/b.txt'));
  await a.write('docs/new.txt', 'added after T');
  await a.write('other.txt', 'outside, later');
  await a.sync();
  await b.sync();
  await b.write('docs/deep/c.txt', 'c edited on the desktop, not synced');

  const r = await restore(b, token, 'docs', '--at', new Date(at).toISOString());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await b.read('docs/a.txt'), 'a at T');
  assert.equal(await b.read('docs/b.txt'), 'b at T');
  assert.equal(await b.read('docs/deep/c.txt'), 'c at T');
  assert.equal(await b.read('docs/new.txt'), 'added after T', 'a restore never deletes');
  assert.equal(await b.read('other.txt'), 'outside, later', 'outside the folder: untouched');
  const copy = `docs/deep/c (desktop's conflicted copy ${today()}).txt`;
  assert.equal(await b.read(copy), 'c edited on the desktop, not synced', 'the unsynced edit is kept');
  // 'a later' was the server's live version: safe there, and in the local trash (beside the
  // b.txt that A's deletion took off this device).
  assert.deepEqual((await trashOf(b.root)).map((e) => [e.path, e.reason]), [['docs/a.txt', 'overwritten'], ['docs/b.txt', 'deleted']]);
  const live = await serverLive(fx.server.url, token);
  assert.equal(live.get('docs/a.txt'), atT[0].contentHash, 'a is back to its version at T on the server');
  assert.equal(live.get('docs/b.txt'), atT[1].contentHash, 'b is live again');
  assert.equal(live.get('docs/new.txt') !== undefined, true);

  await b.sync();
  await a.sync();
  assert.deepEqual(await a.tree(), await b.tree());
  assert.equal(await a.read('docs/a.txt'), 'a at T');
  assert.equal(await a.read(copy), 'c edited on the desktop, not synced');
});

test('the trash is swept by age (30 days, on the engine clock) and by size, newest kept', async () => {
  let clock = Date.now();
  const [a, b] = await fx.pair({ now: () => clock, trashCapBytes: 2500 });
  for (const n of [1, 2, 3, 4]) await a.write(`f${n}.bin`, Buffer.alloc(1000, n));
  await a.write('big.bin', Buffer.alloc(4000, 9));
  await a.sync();
  await b.sync();
  const deleteOnA = async (path: string) => {
    await rm(join(a.root, path));
    await a.sync();
    await b.sync();
  };
  await deleteOnA('f1.bin');
  clock += 1000;
  await deleteOnA('f2.bin');
  assert.deepEqual((await trashOf(b.root)).map((e) => e.path), ['f2.bin', 'f1.bin']);
  clock += 1000;
  await deleteOnA('f3.bin'); // 3,000 bytes over a 2,500-byte cap: the oldest goes
  assert.deepEqual((await trashOf(b.root)).map((e) => e.path), ['f3.bin', 'f2.bin']);

  clock += 29 * 24 * 3600_000;
  await b.sync();
  assert.equal((await trashOf(b.root)).length, 2, 'younger than 30 days: kept');
  clock += 2 * 24 * 3600_000;
  await b.sync();
  assert.deepEqual(await trashOf(b.root), [], 'older than 30 days: swept after the cycle');

  // One file over the cap is still kept while it is the newest.
  await deleteOnA('big.bin');
  assert.deepEqual((await trashOf(b.root)).map((e) => [e.path, e.size]), [['big.bin', 4000]]);
  clock += 1000;
  await deleteOnA('f4.bin');
  assert.deepEqual((await trashOf(b.root)).map((e) => e.path), ['f4.bin']);
  // A fresh engine sweeps at its first cycle too.
  clock += 31 * 24 * 3600_000;
  const reopened = await b.reopen({ now: () => clock, trashCapBytes: 2500 });
  await reopened.sync();
  assert.deepEqual(await trashOf(b.root), []);
  await reopened.close();
});
