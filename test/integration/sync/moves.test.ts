// EDGE_CASES 7 and 13: renames and moves travel as moves (no block re-sent, peers rename
// instead of downloading), and editors' save-by-rename is one modification.
import assert from 'node:assert/strict';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { syncFixture } from '../../helpers/sync-client.js';

const fx = syncFixture();

test('EDGE 7: a renamed folder, a moved file and a double rename move on the server and on peers, no block re-sent', async () => {
  const [a, b] = await fx.pair();
  for (let i = 0; i < 200; i++) await a.write(`project/src/f${i}.txt`, `source ${i}`);
  await a.write('project/video.bin', Buffer.alloc(10 * 1024 * 1024, 3));
  await a.write('inbox/memo.txt', 'memo');
  await a.write('first.txt', 'renamed twice');
  await a.sync();
  await b.sync();
  const ids = new Map((await a.remote.list(0, 5000)).entries.map((e) => [e.path, e.fileId]));
  const upBefore = { ...a.blocks };
  const downBefore = { ...b.blocks };

  await rename(join(a.root, 'project'), join(a.root, 'renamed'));
  await mkdir(join(a.root, 'archive'));
  await rename(join(a.root, 'inbox/memo.txt'), join(a.root, 'archive/memo.txt'));
  await rename(join(a.root, 'first.txt'), join(a.root, 'second.txt'));
  await rename(join(a.root, 'second.txt'), join(a.root, 'third.txt'));
  await a.sync();
  assert.deepEqual(a.blocks, upBefore, 'no block uploaded for moves');

  await b.sync();
  assert.deepEqual(b.blocks, downBefore, 'the peer renamed instead of downloading');
  assert.deepEqual(await b.tree(), await a.tree());
  const files = await b.files();
  assert.ok(!files.some((f) => f.startsWith('project/') || f.startsWith('inbox/') || f === 'first.txt' || f === 'second.txt'), 'no old path left');
  assert.ok(files.includes('renamed/video.bin') && files.includes('archive/memo.txt') && files.includes('third.txt'));

  // The server recorded moves: each file keeps its id at its new path.
  const live = new Map<string, string>();
  for (const e of (await a.remote.list(0, 5000)).entries) if (!e.deleted) live.set(e.path, e.fileId);
    else live.delete(e.path);
  assert.equal(live.get('renamed/video.bin'), ids.get('project/video.bin'));
  assert.equal(live.get('renamed/src/f7.txt'), ids.get('project/src/f7.txt'));
  assert.equal(live.get('archive/memo.txt'), ids.get('inbox/memo.txt'));
  assert.equal(live.get('third.txt'), ids.get('first.txt'));
  assert.equal(live.size, 203);
});

test('EDGE 7d: a folder renamed while its first upload is half done ends with only the new name, no orphans', async () => {
  const [a, b] = await fx.pair();
  for (let i = 0; i < 8; i++) await a.write(`photos/p${i}.bin`, Buffer.alloc(2 * 1024 * 1024, i + 1));
  const putBlock = a.remote.putBlock;
  let renamed = false;
  a.remote.putBlock = async (hash, bytes) => {
    await putBlock.call(a.remote, hash, bytes);
    if (!renamed) {
      renamed = true;
      await rename(join(a.root, 'photos'), join(a.root, 'pictures'));
    }
  };
  await a.sync(true);
  a.remote.putBlock = putBlock;
  assert.equal(renamed, true);
  await a.sync();
  await b.sync();
  const expected = Array.from({ length: 8 }, (_, i) => `pictures/p${i}.bin`);
  assert.deepEqual(await a.files(), expected);
  assert.deepEqual(await b.files(), expected);
  assert.deepEqual(await b.tree(), await a.tree());
  const live = new Set<string>();
  for (const e of (await a.remote.list(0, 5000)).entries) if (e.deleted) live.delete(e.path);
    else live.add(e.path);
  assert.deepEqual([...live].sort(), expected, 'the server holds no photos/ entry');
});

test('EDGE 13: save via temp file + rename is one modification; swap and backup files never leave', async () => {
  const [a, b] = await fx.pair();
  await a.write('essay.txt', 'draft 0');
  await a.sync();
  await b.sync();
  const fileId = (await a.remote.revisions('essay.txt'))[0].fileId;
  for (let save = 1; save <= 5; save++) {
    // vim: swap file, backup copy, write the new file, rename it over the old one.
    await writeFile(join(a.root, '.essay.txt.swp'), `swap ${save}`);
    await writeFile(join(a.root, 'essay.txt~'), `backup ${save}`);
    await writeFile(join(a.root, '.essay.txt.tmp-save'), `draft ${save}`);
    await rename(join(a.root, '.essay.txt.tmp-save'), join(a.root, 'essay.txt'));
    await a.sync();
  }
  await b.sync();
  assert.equal(await b.read('essay.txt'), 'draft 5');
  assert.deepEqual(await b.files(), ['essay.txt']);
  const revisions = await a.remote.revisions('essay.txt');
  assert.equal(revisions.length, 6, 'one revision per save');
  assert.ok(revisions.every((r) => r.fileId === fileId && !r.deleted), 'same file identity, never deleted');
  const everything = (await a.remote.list(0, 1000)).entries.map((e) => e.path);
  assert.deepEqual([...new Set(everything)], ['essay.txt']);
});
