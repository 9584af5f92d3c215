// EDGE_CASES 21 and 22: a folder deleted on one device while the other keeps ignored files
// in it, and a path that changes between file and folder while the other device is away.
import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { syncFixture } from '../../helpers/sync-client.js';

const fx = syncFixture();

test('EDGE 22: a file that becomes a folder, and a folder that becomes a file, converge on both devices', async () => {
  const [a, b] = await fx.pair();
  await a.write('A1', 'a plain file');
  await a.write('B2/inside.txt', 'a file in a folder');
  await a.sync();
  await b.sync();
  // While B is away, A turns the file into a folder and the folder into a file.
  await rm(join(a.root, 'A1'));
  await a.write('A1/now-a-folder.txt', 'folder content');
  await rm(join(a.root, 'B2'), { recursive: true });
  await a.write('B2', 'now a plain file');
  await a.sync();
  await b.sync();
  for (const c of [a, b]) {
    assert.deepEqual(await c.files(), ['A1/now-a-folder.txt', 'B2']);
    assert.equal(await c.read('A1/now-a-folder.txt'), 'folder content');
    assert.equal(await c.read('B2'), 'now a plain file');
  }
  assert.equal(b.engine.getStatus().problems.length, 0, JSON.stringify(b.engine.getStatus().problems));
  // And back again, the other way round, from B this time.
  await rm(join(b.root, 'A1'), { recursive: true });
  await b.write('A1', 'a file again');
  await b.sync();
  await a.sync();
  for (const c of [a, b]) {
    assert.deepEqual(await c.files(), ['A1', 'B2']);
    assert.equal(await c.read('A1'), 'a file again');
  }
  // The old contents are in the server's history, not lost.
  const history = await a.remote.revisions('A1/now-a-folder.txt');
  assert.equal(history.length >= 2, true, 'the folder file was deleted as a revision, not erased');
});

test('EDGE 21: a folder deleted on A while B holds ignored files in it: synced files go, ignored ones stay, no endless retry', async () => {
  const [a, b] = await fx.pair();
  await a.write('proj/src/main.c', 'int main;');
  await a.write('proj/README', 'read me');
  await a.sync();
  await b.sync();
  await writeFile(join(b.root, 'proj', '.DS_Store'), 'finder junk');
  await writeFile(join(b.root, 'proj', 'src', 'main.c.swp'), 'editor swap');
  await rm(join(a.root, 'proj'), { recursive: true });
  await a.sync();
  const outcome = await b.sync(true);
  assert.equal(outcome.agreed, true, outcome.reason ?? '');
  // The synced files are gone; the ignored ones are kept, in the folders that hold them.
  assert.deepEqual(await b.files(), ['proj/.DS_Store', 'proj/src/main.c.swp']);
  assert.deepEqual(await a.files(), []);
  // A second cycle finds nothing to do and reports nothing.
  const again = await b.sync(true);
  assert.equal(again.agreed, true, again.reason ?? '');
  assert.deepEqual(b.engine.getStatus().problems, []);
  assert.deepEqual((await readdir(join(b.root, 'proj'))).sort(), ['.DS_Store', 'src']);
});
