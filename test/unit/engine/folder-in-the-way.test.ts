import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { folderInTheWay } from '../../../shared/node/engine/folder-in-the-way.js';
import { engineDisk } from '../../../shared/node/engine/engine-disk.js';

test('folderInTheWay: an empty folder makes way, one of unsynced things keeps the name, one the plan empties waits', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hsync-in-the-way-'));
  try {
    await mkdir(join(root, 'empty'));
    await mkdir(join(root, 'junk'));
    await writeFile(join(root, 'junk/.DS_Store'), 'finder junk');
    await mkdir(join(root, 'synced'));
    await writeFile(join(root, 'synced/x.txt'), 'a synced file the plan deletes');
    await writeFile(join(root, 'file'), 'a file');
    await symlink(join(root, 'empty'), join(root, 'link'));
    const local = new Map([['synced/x.txt', {}], ['file', {}]]);
    assert.equal(await folderInTheWay(engineDisk(), root, 'empty', local), 'free');
    assert.equal(await folderInTheWay(engineDisk(), root, 'junk', local), 'keeps-name');
    assert.equal(await folderInTheWay(engineDisk(), root, 'synced', local), 'free');
    assert.equal(await folderInTheWay(engineDisk(), root, 'file', local), 'free');
    assert.equal(await folderInTheWay(engineDisk(), root, 'link', local), 'free', 'a link is left to the download, which refuses it');
    assert.equal(await folderInTheWay(engineDisk(), root, 'missing', local), 'free');
    assert.deepEqual((await readdir(root)).sort(), ['file', 'junk', 'link', 'synced'], 'only the empty folder went');
    assert.deepEqual(await readdir(join(root, 'junk')), ['.DS_Store']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
