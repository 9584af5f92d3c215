import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listTrash, moveToTrash, sweepTrash, trashCap, trashDir, TRASH_MAX_AGE_MS, TRASH_MAX_BYTES } from '../../../shared/node/engine/local-trash.js';
import { smallDisk, unmount } from '../../helpers/small-disk.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';
import { engineDisk } from '../../../shared/node/engine/engine-disk.js';

const disk = engineDisk();

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

async function root(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hsync-trash-'));
  roots.push(dir);
  return dir;
}

const hash = 'a'.repeat(64);
const note = (path: string, at: number, size: number) => ({ path, trashedAt: at, size, contentHash: hash, rev: 3, reason: 'deleted' as const });

test('a trashed file is moved (same inode), listed newest first, and its note names it', async () => {
  const r = await root();
  await writeFile(join(r, 'a.txt'), 'aaa');
  await writeFile(join(r, 'b.txt'), 'bbbb');
  const ino = (await stat(join(r, 'a.txt'))).ino;
  const a = await moveToTrash(disk, r, join(r, 'a.txt'), note('docs/a.txt', 1000, 3));
  await moveToTrash(disk, r, join(r, 'b.txt'), note('b.txt', 2000, 4));
  assert.equal((await stat(join(trashDir(r), `${a.id}.data`))).ino, ino, 'renamed, not copied');
  assert.deepEqual((await listTrash(nodeFileSystem, r)).map((e) => [e.path, e.size, e.rev]), [['b.txt', 4, 3], ['docs/a.txt', 3, 3]]);
});

test('a trash folder removed while the engine runs is made again', async () => {
  const r = await root();
  await writeFile(join(r, 'one'), '1');
  await moveToTrash(disk, r, join(r, 'one'), note('one', 1, 1));
  await rm(trashDir(r), { recursive: true });
  await writeFile(join(r, 'two'), '2');
  await moveToTrash(disk, r, join(r, 'two'), note('two', 2, 1));
  assert.deepEqual((await listTrash(nodeFileSystem, r)).map((e) => e.path), ['two']);
});

test('notes that fail a check are not listed: a path leaving the root, a bad hash, no bytes', async () => {
  const r = await root();
  await writeFile(join(r, 'x'), 'x');
  const good = await moveToTrash(disk, r, join(r, 'x'), note('x', 5000, 1));
  const dir = trashDir(r);
  const forged = (id: string, body: unknown) => Promise.all([writeFile(join(dir, `${id}.json`), JSON.stringify(body)), writeFile(join(dir, `${id}.data`), 'evil')]);
  await forged('6000-4-00000001', { ...note('../outside', 6000, 4) });
  await forged('6000-4-00000002', { ...note('ok.txt', 6000, 4), contentHash: 'nothex' });
  await forged('6000-4-00000003', { ...note('.hsync/x', 6000, 4) });
  await writeFile(join(dir, '6000-4-00000004.json'), JSON.stringify(note('nobytes.txt', 6000, 4)));
  await forged('not-an-id', note('odd.txt', 6000, 4));
  assert.deepEqual((await listTrash(nodeFileSystem, r)).map((e) => e.id), [good.id]);
});

test('the sweep drops entries past 30 days, then the oldest over the cap, keeping the newest whatever its size', async () => {
  const r = await root();
  const now = 100 * 24 * 3600_000;
  const put = async (name: string, at: number, size: number) => {
    await writeFile(join(r, name), Buffer.alloc(size));
    await moveToTrash(disk, r, join(r, name), note(name, at, size));
  };
  await put('ancient', now - TRASH_MAX_AGE_MS - 1, 10);
  await put('old', now - 3000, 600);
  await put('mid', now - 2000, 500);
  await put('new', now - 1000, 500);
  const swept = await sweepTrash(nodeFileSystem, r, now, 1200);
  assert.deepEqual(swept, { removed: 2, bytes: 610 });
  assert.deepEqual((await listTrash(nodeFileSystem, r)).map((e) => e.path), ['new', 'mid']);
  await put('huge', now, 5000);
  await sweepTrash(nodeFileSystem, r, now, 1200);
  assert.deepEqual((await listTrash(nodeFileSystem, r)).map((e) => e.path), ['huge']);
  assert.deepEqual((await readdir(trashDir(r))).length, 2, 'no file of a removed entry is left');
});

test('the sweep removes a note whose bytes are gone once it is a minute old, never a move in flight', async () => {
  const r = await root();
  await mkdir(trashDir(r), { recursive: true });
  const now = 10_000_000;
  await writeFile(join(trashDir(r), `${now - 61_000}-3-0000000a.json`), '{}');
  await writeFile(join(trashDir(r), `${now - 1000}-3-0000000b.json`), '{}');
  await sweepTrash(nodeFileSystem, r, now, 1e9);
  assert.deepEqual(await readdir(trashDir(r)), [`${now - 1000}-3-0000000b.json`]);
});

test('the cap is 10 % of the disk, at most 5 GB', () => {
  assert.equal(trashCap(20e6), 2e6);
  assert.equal(trashCap(1e12), TRASH_MAX_BYTES);
});

test('a file on another file system than the trash stays where it is (moved, never copied)', async (t) => {
  const r = await root();
  const mount = await smallDisk(t, '1m');
  if (!mount) return;
  try {
    await writeFile(join(mount, 'far.txt'), 'bytes on another disk');
    await assert.rejects(moveToTrash(disk, r, join(mount, 'far.txt'), note('far.txt', 1, 21)), /move "far.txt" to the trash: it is on another file system/);
    assert.equal(await readFile(join(mount, 'far.txt'), 'utf8'), 'bytes on another disk');
    assert.deepEqual(await listTrash(nodeFileSystem, r), []);
    assert.deepEqual(await readdir(trashDir(r)), [], 'no note left behind');
  } finally {
    await unmount(mount);
  }
});
