// EDGE_CASES 4, 5, 6 and 16: concurrent edits, false conflicts, delete against edit, and a
// remote update racing a local edit the scan has not seen.
import assert from 'node:assert/strict';
import { rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { syncFixture } from '../../helpers/sync-client.js';

const fx = syncFixture();

const today = () => new Date().toISOString().slice(0, 10);

test('EDGE 4: both sides edit one file: the first commit keeps the name, the other becomes a conflict copy everywhere', async () => {
  const [a, b] = await fx.pair();
  await a.write('report.docx', 'v1');
  await a.sync();
  await b.sync();
  await a.write('report.docx', 'edited on laptop');
  await b.write('report.docx', 'edited on desktop');
  await a.write('new.txt', 'new on laptop');
  await b.write('new.txt', 'new on desktop');
  await a.sync();
  await b.sync();
  await a.sync();
  const copy = `report (desktop's conflicted copy ${today()}).docx`;
  const newCopy = `new (desktop's conflicted copy ${today()}).txt`;
  for (const c of [a, b]) {
    assert.deepEqual(await c.files(), [newCopy, copy, 'new.txt', 'report.docx'].sort());
    assert.equal(await c.read('report.docx'), 'edited on laptop');
    assert.equal(await c.read(copy), 'edited on desktop');
    assert.equal(await c.read('new.txt'), 'new on laptop');
    assert.equal(await c.read(newCopy), 'new on desktop');
  }
  // Settled: more rounds make no further copies.
  await b.sync();
  await a.sync();
  assert.equal((await a.files()).length, 4);
  assert.equal((await b.files()).length, 4);
  assert.equal(b.engine.getStatus().recent.filter((r) => r.action === 'conflict').length >= 2, true);
});

test('EDGE 5: a touch, identical edits on both sides and an old mtime are not conflicts', async () => {
  const [a, b] = await fx.pair();
  await a.write('same.txt', 'one');
  await a.write('touched.txt', 'touch me');
  await a.sync();
  await b.sync();
  const cursor = a.engine.index.cursor;
  const future = new Date(Date.now() + 3600_000);
  await utimes(join(a.root, 'touched.txt'), future, future);
  await a.sync();
  await b.sync();
  assert.equal(b.engine.index.cursor, cursor, 'a touch commits nothing');
  assert.equal(a.blocks.up, 2, 'and uploads nothing');

  await a.write('same.txt', 'two, identically');
  await b.write('same.txt', 'two, identically');
  await writeFile(join(b.root, 'old.txt'), 'from an archive');
  await utimes(join(b.root, 'old.txt'), new Date(2001, 0, 1), new Date(2001, 0, 1));
  await a.sync();
  await b.sync();
  await a.sync();
  assert.deepEqual(await a.files(), ['old.txt', 'same.txt', 'touched.txt']);
  assert.deepEqual(await b.files(), ['old.txt', 'same.txt', 'touched.txt']);
  assert.equal(b.blocks.up, 1, 'B uploaded only old.txt: its identical edit was already there');
});

test('EDGE 6: delete on one side, edit on the other: the edit survives, in both orders', async () => {
  const [a, b] = await fx.pair();
  await a.write('notes.txt', 'v1');
  await a.write('plan.txt', 'v1');
  await a.sync();
  await b.sync();

  // Delete first, edit second.
  await rm(join(a.root, 'notes.txt'));
  await a.sync();
  await b.write('notes.txt', 'edited offline');
  await b.sync();
  await a.sync();
  assert.equal(await a.read('notes.txt'), 'edited offline');
  assert.equal(await b.read('notes.txt'), 'edited offline');

  // Edit first, delete second.
  await b.write('plan.txt', 'edited first');
  await b.sync();
  await rm(join(a.root, 'plan.txt'));
  await a.sync();
  await b.sync();
  assert.equal(await a.read('plan.txt'), 'edited first');
  assert.equal(await b.read('plan.txt'), 'edited first');
});

test('EDGE 16: a remote update for a file edited locally but not yet scanned never overwrites the edit', async () => {
  const [a, b] = await fx.pair();
  await a.write('draft.txt', 'v1');
  await a.sync();
  await b.sync();
  await b.write('draft.txt', 'remote version');
  await b.sync();
  // A edits right after its scan, while the remote version is being fetched.
  const getBlock = a.remote.getBlock;
  let edited = false;
  a.remote.getBlock = async (hash) => {
    if (!edited) {
      edited = true;
      await writeFile(join(a.root, 'draft.txt'), 'local edit, unscanned');
    }
    return getBlock.call(a.remote, hash);
  };
  await a.sync();
  a.remote.getBlock = getBlock;
  assert.equal(edited, true);
  const copy = `draft (laptop's conflicted copy ${today()}).txt`;
  assert.equal(await a.read('draft.txt'), 'remote version');
  assert.equal(await a.read(copy), 'local edit, unscanned');
  await b.sync();
  assert.equal(await b.read(copy), 'local edit, unscanned');
});
