import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { linkOnPath, refuseLinkedPath } from '../../../shared/node/engine/inside-root.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';

test('linkOnPath names the first folder on the path that is a symbolic link', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hsync-inside-'));
  try {
    await mkdir(join(root, 'real/deeper'), { recursive: true });
    await writeFile(join(root, 'real/file.txt'), 'x');
    await symlink(join(root, 'real'), join(root, 'real/deeper/up'));
    await symlink(tmpdir(), join(root, 'out'));
    assert.equal(linkOnPath(nodeFileSystem, root, 'real/file.txt'), null);
    assert.equal(linkOnPath(nodeFileSystem, root, 'missing/a/b.txt'), null, 'a folder yet to be made is no link');
    assert.equal(linkOnPath(nodeFileSystem, root, 'real/file.txt/x'), null, 'a file on the way fails on its own');
    assert.equal(linkOnPath(nodeFileSystem, root, 'out/x.txt'), 'out');
    assert.equal(linkOnPath(nodeFileSystem, root, 'real/deeper/up/file.txt'), 'real/deeper/up');
    assert.equal(linkOnPath(nodeFileSystem, root, 'out'), null, 'the last segment is replaced, not followed, by a rename');
    assert.equal(linkOnPath(nodeFileSystem, root, 'out', true), 'out', 'a read would follow it');
    assert.throws(() => refuseLinkedPath(nodeFileSystem, root, 'out/x.txt', 'download'), { code: 'invalid_path', message: 'download "out/x.txt": refused, "out" is a symbolic link and is not followed' });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
