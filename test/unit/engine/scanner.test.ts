// The scanner against a real temp folder: stat-only rescans, skipped symlinks, ignores,
// targeted scans, and files that change while being hashed.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hashFile } from '../../../shared/node/blocks/chunker.js';
import { hashSnapshot } from '../../../shared/node/engine/hash-snapshot.js';
import { makeIgnoreRules } from '../../../shared/node/engine/ignore-rules.js';
import { Scanner } from '../../../shared/node/engine/scanner.js';
import type { BaseEntry, LocalEntry } from '../../../shared/node/engine/types.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';
import { engineDisk } from '../../../shared/node/engine/engine-disk.js';

const root = mkdtempSync(join(tmpdir(), 'hsync-scan-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('scan hashes new files once, then rescans by stat only', async () => {
  mkdirSync(join(root, 'd/e'), { recursive: true });
  writeFileSync(join(root, 'a.txt'), 'alpha');
  writeFileSync(join(root, 'd/e/b.txt'), 'beta');
  writeFileSync(join(root, 'd/.DS_Store'), 'junk');
  mkdirSync(join(root, '.hsync/tmp'), { recursive: true });
  writeFileSync(join(root, '.hsync/tmp/x.part'), 'partial');
  symlinkSync('/etc/passwd', join(root, 'link'));
  const rules = makeIgnoreRules('');
  const scanner = new Scanner(engineDisk(), root, () => rules, new Map<string, BaseEntry>());
  const tree = new Map<string, LocalEntry>();
  const first = await scanner.fullScan(tree);
  assert.deepEqual([...tree.keys()].sort(), ['a.txt', 'd/e/b.txt']);
  assert.equal(first.hashed, 2);
  assert.deepEqual(first.skipped, [{ path: 'link', reason: 'symbolic link, not followed' }]);
  assert.equal(tree.get('a.txt')!.contentHash, (await hashFile(join(root, 'a.txt'))).contentHash);

  const second = await scanner.fullScan(tree);
  assert.equal(second.hashed, 0, 'unchanged files are not read again');

  writeFileSync(join(root, 'a.txt'), 'alpha 2');
  rmSync(join(root, 'd/e/b.txt'));
  const third = await scanner.scanPaths(['a.txt', 'd/e'], tree);
  assert.equal(third.hashed, 1);
  assert.deepEqual([...tree.keys()].sort(), ['a.txt']);
});

test('files matching the base by size, mtime and inode are not read', async () => {
  writeFileSync(join(root, 'known.bin'), 'known');
  const snapshot = (await hashSnapshot(nodeFileSystem, join(root, 'known.bin')))!;
  const base = new Map<string, BaseEntry>([
    ['known.bin', { path: 'known.bin', rev: 1, fileId: 'f', contentHash: snapshot.contentHash, size: snapshot.size, mtime: snapshot.mtime, ino: snapshot.ino, remoteMtime: 0 }],
  ]);
  const scanner = new Scanner(engineDisk(), root, () => makeIgnoreRules(''), base);
  const tree = new Map<string, LocalEntry>();
  await scanner.fullScan(tree);
  assert.equal(tree.get('known.bin')!.contentHash, snapshot.contentHash);
  assert.equal(tree.get('known.bin')!.blocks, undefined, 'taken from the base, not hashed');
});

test('a file that grows while hashed is not given a hash', async () => {
  const path = join(root, 'growing.log');
  writeFileSync(path, Buffer.alloc(48 * 1024 * 1024, 1));
  const growing = setInterval(() => appendFileSync(path, 'more\n'), 1);
  try {
    let unstable = false;
    for (let i = 0; i < 5 && !unstable; i++) unstable = (await hashSnapshot(nodeFileSystem, path)) === null;
    assert.equal(unstable, true);
  } finally {
    clearInterval(growing);
  }
  assert.notEqual(await hashSnapshot(nodeFileSystem, path), null, 'once still, it hashes');
});

test('a rescan skips the path checks of unchanged files only while the ignore rules stay the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hsync-scan-rules-'));
  try {
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'keep.txt'), 'keep');
    writeFileSync(join(dir, 'logs/app.log'), 'log');
    const asked: string[] = [];
    const counting = (text: string) => {
      const rules = makeIgnoreRules(text);
      return { userPatterns: rules.userPatterns, ignores: (path: string) => (asked.push(path), rules.ignores(path)) };
    };
    let rules = counting('');
    const scanner = new Scanner(engineDisk(), dir, () => rules, new Map<string, BaseEntry>());
    const tree = new Map<string, LocalEntry>();
    await scanner.fullScan(tree);
    assert.deepEqual([...tree.keys()].sort(), ['keep.txt', 'logs/app.log']);

    asked.length = 0;
    writeFileSync(join(dir, 'new.txt'), 'new');
    rules = counting(''); // a fresh object with the same patterns, as the engine makes
    await scanner.fullScan(tree);
    assert.deepEqual(asked, ['new.txt'], 'only the new file is checked against the rules');

    rules = counting('*.log');
    await scanner.fullScan(tree);
    assert.deepEqual([...tree.keys()].sort(), ['keep.txt', 'new.txt'], 'new rules apply to files already known');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
