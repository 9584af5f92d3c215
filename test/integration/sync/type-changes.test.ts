// EDGE_CASES 21 and 22: a folder deleted on one device while the other keeps ignored files
// in it, and a path that changes between file and folder while the other device is away.
import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { syncFixture, type TestClient } from '../../helpers/sync-client.js';
import type { JournalEntry } from '../../../shared/common/protocol.js';
import { conflictCopyPath } from '../../../shared/node/engine/conflict-name.js';

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

/** The server's live tree: the paths whose latest journal entry is not a deletion. */
async function serverLive(c: TestClient): Promise<string[]> {
  const latest = new Map<string, JournalEntry>();
  for (const e of (await c.remote.list(0, 5000)).entries) if ((latest.get(e.path)?.id ?? -1) < e.id) latest.set(e.path, e);
  return [...latest.values()].filter((e) => !e.deleted).map((e) => e.path).sort();
}

/** Both devices and the server hold the folder and, beside it, the edited file as a conflicted copy. */
async function assertFolderWonAndCopyKept(a: TestClient, b: TestClient, name: string, editor: string, edited: string): Promise<void> {
  const copy = conflictCopyPath(`${name}.pdf`, editor, Date.now(), () => false);
  const expected = [copy, `${name}.pdf/inside.txt`].sort();
  for (const c of [a, b]) {
    assert.deepEqual(await c.files(), expected, c.device);
    assert.equal(await c.read(`${name}.pdf/inside.txt`), 'the folder content', c.device);
    assert.equal(await c.read(copy), edited, c.device);
    assert.deepEqual(c.engine.getStatus().problems, [], c.device);
  }
  assert.deepEqual(await serverLive(a), expected);
}

test('EDGE 22: a file edited on B while A turns it into a folder: the folder keeps the name, the edit becomes a conflicted copy, both converge', async () => {
  const [a, b] = await fx.pair();
  await a.write('y.pdf', 'the original pdf');
  await a.sync();
  await b.sync();
  await b.write('y.pdf', 'edited on B, longer than before');
  await rm(join(a.root, 'y.pdf'));
  await a.write('y.pdf/inside.txt', 'the folder content');
  for (const c of [b, a, b, a]) {
    const outcome = await c.sync(true);
    assert.equal(outcome.agreed, true, `${c.device}: ${outcome.reason}`);
  }
  await assertFolderWonAndCopyKept(a, b, 'y', b.device, 'edited on B, longer than before');
});

test('EDGE 22: a file edited and synced on A while B, not yet synced, turns it into a folder: the same outcome', async () => {
  const [a, b] = await fx.pair();
  await a.write('z.pdf', 'the original pdf');
  await a.sync();
  await b.sync();
  await a.write('z.pdf', 'edited on A, longer than before');
  await a.sync();
  await rm(join(b.root, 'z.pdf'));
  await b.write('z.pdf/inside.txt', 'the folder content');
  for (const c of [b, a, b, a]) {
    const outcome = await c.sync(true);
    assert.equal(outcome.agreed, true, `${c.device}: ${outcome.reason}`);
  }
  await assertFolderWonAndCopyKept(a, b, 'z', a.device, 'edited on A, longer than before');
});

test('EDGE 22: a folder synced first lands where the other device edited the file: the local edit becomes a conflicted copy and goes up', async () => {
  const [a, b] = await fx.pair();
  await a.write('w.pdf', 'the original pdf');
  await a.sync();
  await b.sync();
  await b.write('w.pdf', 'edited on B, longer than before');
  await rm(join(a.root, 'w.pdf'));
  await a.write('w.pdf/inside.txt', 'the folder content');
  for (const c of [a, b, a, b]) {
    const outcome = await c.sync(true);
    assert.equal(outcome.agreed, true, `${c.device}: ${outcome.reason}`);
  }
  await assertFolderWonAndCopyKept(a, b, 'w', b.device, 'edited on B, longer than before');
});

test('EDGE 22: a deletion on one device against a type change on the other: the new folder and the new file survive on both', async () => {
  const [a, b] = await fx.pair();
  await a.write('q.pdf', 'a file that A deletes');
  await a.write('f/x.txt', 'a folder that A deletes');
  await a.sync();
  await b.sync();
  await rm(join(a.root, 'q.pdf'));
  await rm(join(a.root, 'f'), { recursive: true });
  await rm(join(b.root, 'q.pdf'));
  await b.write('q.pdf/inside.txt', 'the folder content');
  await rm(join(b.root, 'f'), { recursive: true });
  await b.write('f', 'now a plain file');
  for (const c of [a, b, a, b]) {
    const outcome = await c.sync(true);
    assert.equal(outcome.agreed, true, `${c.device}: ${outcome.reason}`);
  }
  for (const c of [a, b]) {
    assert.deepEqual(await c.files(), ['f', 'q.pdf/inside.txt'], c.device);
    assert.equal(await c.read('q.pdf/inside.txt'), 'the folder content');
    assert.equal(await c.read('f'), 'now a plain file');
  }
  assert.deepEqual(await serverLive(a), ['f', 'q.pdf/inside.txt']);
});
