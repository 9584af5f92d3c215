// A folder inside the root that is a symbolic link to elsewhere is never followed: downloads,
// deletions and conflict renames under it are refused and reported per path, nothing outside
// the root changes, and the rest of the folder keeps syncing (docs/engine.md "Symlinks").
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, rmSync, symlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { listFiles, removeDirs, syncFixture, type TestClient } from '../../helpers/sync-client.js';

const fx = syncFixture();
const outsideDirs: string[] = [];
test.after(() => removeDirs(...outsideDirs));

/** path → sha256 of every file under `dir`. */
async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await listFiles(dir)) out[path] = createHash('sha256').update(await readFile(join(dir, path))).digest('hex');
  return out;
}

/** A folder outside every sync root holding `files`, removed after the tests. */
async function outsideDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hsync-outside-'));
  outsideDirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

function problemsOf(client: TestClient): Map<string, { code: string; message: string }> {
  return new Map(client.engine.getStatus().problems.map((p) => [p.path, p]));
}

async function livePaths(client: TestClient): Promise<string[]> {
  const live = new Map<string, boolean>();
  for (let cursor = 0; ; ) {
    const page = await client.remote.list(cursor, 1000);
    for (const e of page.entries) live.set(e.path, !e.deleted);
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  return [...live].filter(([, on]) => on).map(([p]) => p).sort();
}

test('server entries under a folder symlinked outside the root are reported; nothing outside changes; the rest syncs', async () => {
  const [a, b] = await fx.pair();
  const outside = await outsideDir({ 'x.txt': 'outside x', 'sub/y.txt': 'outside y' });
  const before = await hashTree(outside);
  await symlink(outside, join(b.root, 'link'));

  await a.write('link/x.txt', 'from a: x');
  await a.write('link/new.txt', 'from a: new');
  await a.write('link/sub/y.txt', 'from a: y');
  await a.write('ok.txt', 'plain file');
  await a.sync();
  const outcome = await b.sync(true);

  assert.deepEqual(await hashTree(outside), before, 'nothing outside the root written, moved or deleted');
  assert.equal(outcome.agreed, false, 'the refused files keep the folder from agreeing');
  assert.equal(await b.read('ok.txt'), 'plain file');
  const problems = problemsOf(b);
  for (const path of ['link/x.txt', 'link/new.txt', 'link/sub/y.txt']) {
    assert.equal(problems.get(path)?.code, 'invalid_path', `${path} reported`);
    assert.match(problems.get(path)!.message, /"link" is a symbolic link/);
  }
  assert.deepEqual(await livePaths(a), ['link/new.txt', 'link/sub/y.txt', 'link/x.txt', 'ok.txt'], 'the server keeps every file');
  assert.equal(await a.read('link/x.txt'), 'from a: x');
});

test('a folder turned into a symlink while a cycle runs: its deletion, download and conflict rename leave the outside untouched', async () => {
  const [a, b] = await fx.pair();
  await a.write('d/del.txt', 'to delete');
  await a.write('d/edit.txt', 'to edit');
  await a.write('d/both.txt', 'edited on both');
  await a.sync();
  await b.sync();

  rmSync(join(a.root, 'd/del.txt'));
  await a.write('d/edit.txt', 'edited on a');
  await a.write('d/both.txt', 'both: a');
  await a.write('trigger.txt', 'arrives first');
  await a.sync();
  await b.write('d/both.txt', 'both: b');

  // The first block b fetches: its folder d/ is moved outside the root and a link left in its
  // place, byte for byte the same files (so the executor's content checks still pass).
  const outside = await outsideDir();
  let swapped = false;
  const swap = () => {
    if (swapped) return;
    swapped = true;
    cpSync(join(b.root, 'd'), outside, { recursive: true });
    rmSync(join(b.root, 'd'), { recursive: true });
    symlinkSync(outside, join(b.root, 'd'));
  };
  const { getBlock, getBlocks } = b.remote;
  b.remote.getBlock = (...args) => (swap(), getBlock.apply(b.remote, args));
  b.remote.getBlocks = (...args) => (swap(), getBlocks.apply(b.remote, args));
  const outsideBefore = { 'both.txt': sha('both: b'), 'del.txt': sha('to delete'), 'edit.txt': sha('to edit') };

  await b.sync(true);
  assert.ok(swapped, 'the folder was swapped during the cycle');
  assert.deepEqual(await hashTree(outside), outsideBefore, 'nothing outside the root written, renamed or deleted');
  assert.equal(await b.read('trigger.txt'), 'arrives first');
  const problems = problemsOf(b);
  for (const path of ['d/edit.txt', 'd/both.txt']) assert.equal(problems.get(path)?.code, 'invalid_path', `${path} reported`);
  assert.equal(await a.read('d/edit.txt'), 'edited on a');
});

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}


test('a synced folder replaced by a symlink is not a deletion: the server and the other device keep its files', async () => {
  const [a, b] = await fx.pair();
  await a.write('d/f.txt', 'f');
  await a.write('d/g.txt', 'g');
  await a.write('keep.txt', 'keep');
  await a.sync();
  await b.sync();
  // On b the folder moves elsewhere and a link to it takes its place.
  const outside = await outsideDir();
  await rm(outside, { recursive: true });
  await rename(join(b.root, 'd'), outside);
  await symlink(outside, join(b.root, 'd'));
  const before = await hashTree(outside);

  await b.sync(true);
  assert.deepEqual(await livePaths(b), ['d/f.txt', 'd/g.txt', 'keep.txt'], 'nothing deleted on the server');
  await a.sync();
  assert.deepEqual(await a.files(), ['d/f.txt', 'd/g.txt', 'keep.txt'], 'nor on the other device');
  assert.deepEqual(await hashTree(outside), before, 'nothing outside the root changed');
});
