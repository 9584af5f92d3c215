// The in-memory file system's power cut (memory-file-system.ts, docs/testing.md "Power
// cuts"): ext4 data=ordered as the simulation models it. An fsync or fdatasync commits the
// whole disk; names, creates, renames and deletes after the last commit are undone; a file's
// data written since comes back as committed or with a prefix of its pages as written, at its
// committed length.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryFileSystem } from '../../../shared/node/fs/memory-file-system.js';

function disk(): MemoryFileSystem {
  const fs = new MemoryFileSystem({ powerLoss: true });
  fs.mkdirSync('/d');
  fs.syncAll();
  return fs;
}

async function writeSynced(fs: MemoryFileSystem, path: string, text: string): Promise<void> {
  const file = await fs.open(path, 'w');
  await file.write(Buffer.from(text), 0, text.length, 0);
  await file.datasync();
  await file.close();
}

const never = () => assert.fail('no file was written since the commit');

test('a file fdatasynced survives; one created after the last commit is gone', async () => {
  const fs = disk();
  await writeSynced(fs, '/d/kept.txt', 'kept');
  fs.writeFileSync('/d/late.txt', 'never synced');
  fs.powerCut(never);
  assert.equal(fs.readFileSync('/d/kept.txt').toString(), 'kept');
  assert.equal(fs.existsSync('/d/late.txt'), false);
});

test('a rename after the last commit is undone; the same rename followed by an fsync of its folder stays', async () => {
  const fs = disk();
  await writeSynced(fs, '/d/a.part', 'new');
  await writeSynced(fs, '/d/a.txt', 'old');
  fs.renameSync('/d/a.part', '/d/a.txt');
  fs.powerCut(never);
  assert.equal(fs.readFileSync('/d/a.txt').toString(), 'old');
  assert.equal(fs.readFileSync('/d/a.part').toString(), 'new', 'the temp name is back too');

  fs.renameSync('/d/a.part', '/d/a.txt');
  const folder = await fs.open('/d', 'r');
  await folder.sync();
  await folder.close();
  fs.powerCut(never);
  assert.equal(fs.readFileSync('/d/a.txt').toString(), 'new');
  assert.equal(fs.existsSync('/d/a.part'), false);
});

test('an fsync of any file commits every earlier change on the disk (one journal)', async () => {
  const fs = disk();
  fs.writeFileSync('/d/user.txt', 'an editor wrote this');
  fs.renameSync('/d/user.txt', '/d/moved.txt');
  await writeSynced(fs, '/d/other.txt', 'synced later');
  fs.powerCut(never);
  assert.equal(fs.readFileSync('/d/moved.txt').toString(), 'an editor wrote this');
  assert.equal(fs.existsSync('/d/user.txt'), false);
});

test('data written in place since the commit comes back lost or torn by pages, at the committed length', async () => {
  const committed = Buffer.alloc(3 * 4096, 'a');
  for (const [pages, expect] of [
    [0, 'aaa'],
    [1, 'baa'],
    [3, 'bbb'],
  ] as const) {
    const fs = disk();
    fs.writeFileSync('/d/f', committed);
    fs.syncAll();
    const before = fs.lstatSync('/d/f')!;
    // The new bytes run past the committed end: that growth is metadata, and is undone.
    fs.writeFileSync('/d/f', Buffer.alloc(4 * 4096, 'b'));
    let offered = 0;
    assert.equal(fs.powerCut((n) => ((offered = n), pages)), pages === 0 ? 0 : 1);
    assert.equal(offered, 4, 'any of 0..3 committed pages');
    const after = fs.readFileSync('/d/f');
    assert.equal(after.length, committed.length);
    assert.equal([0, 1, 2].map((p) => String.fromCharCode(after[p * 4096])).join(''), expect);
    assert.equal(fs.lstatSync('/d/f')!.mtimeMs, before.mtimeMs, 'times are metadata: as committed');
  }
});

test('open files are gone after a power cut', async () => {
  const fs = disk();
  const file = await fs.open('/d/open.txt', 'w');
  fs.syncAll();
  fs.powerCut(never);
  await assert.rejects(file.write(Buffer.from('x'), 0, 1, 0), { code: 'EBADF' });
});

test('without powerLoss there is no power cut to model', () => {
  assert.throws(() => new MemoryFileSystem().powerCut(() => 0), /powerLoss/);
});
