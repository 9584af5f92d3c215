// One contract for the engine's FileSystem port (docs/engine.md "The file-system port"): every
// behaviour the engine relies on, run against the real adapter on a real temp folder and
// against the in-memory fake alike, so the fake cannot drift from the disk. The letter-case
// part runs on a real case-insensitive disk (exFAT, skipped where it cannot be mounted) and on
// the fake in its case-insensitive mode; the fake's own options (coarse mtimes, faults, a full
// disk, latency) follow.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import fg from 'fast-glob';
import type { FileSystem } from '../../../shared/node/fs/file-system.js';
import { MemoryFileSystem } from '../../../shared/node/fs/memory-file-system.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';
import { caseInsensitiveDisk } from '../../helpers/case-insensitive-disk.js';

interface Subject {
  fs: FileSystem;
  root: string;
  /** Makes a symbolic link (the engine never makes one, so the port has no call for it). */
  symlink(target: string, path: string): void;
  dispose(): Promise<void>;
}

async function realDisk(): Promise<Subject> {
  const root = await mkdtemp(join(tmpdir(), 'hsync-fs-contract-'));
  return { fs: nodeFileSystem, root, symlink: (target, path) => symlinkSync(target, path), dispose: () => rm(root, { recursive: true, force: true }) };
}

function memoryDisk(options: ConstructorParameters<typeof MemoryFileSystem>[0] = {}): Subject & { fs: MemoryFileSystem } {
  const fs = new MemoryFileSystem(options);
  fs.mkdirSync('/root');
  return { fs, root: '/root', symlink: (target, path) => fs.symlinkSync(target, path), dispose: async () => undefined };
}

const subjects: [string, () => Promise<Subject>][] = [
  ['real disk', realDisk],
  ['in memory', async () => memoryDisk()],
];

async function codeOf(work: () => unknown): Promise<string | undefined> {
  try {
    await work();
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
  return undefined;
}

for (const [name, make] of subjects) {
  describe(`FileSystem contract: ${name}`, () => {
    const withDisk = (title: string, body: (s: Subject, at: (p: string) => string) => Promise<void>) =>
      test(title, async () => {
        const s = await make();
        try {
          await body(s, (p) => join(s.root, p));
        } finally {
          await s.dispose();
        }
      });

    withDisk('a written file reads back; lstat of a missing path is undefined, under a file ENOTDIR', async ({ fs }, at) => {
      fs.writeFileSync(at('a.txt'), 'hello');
      assert.equal(fs.readFileSync(at('a.txt')).toString(), 'hello');
      assert.equal((await fs.readFile(at('a.txt'))).toString(), 'hello');
      const info = fs.lstatSync(at('a.txt'))!;
      assert.equal(info.size, 5);
      assert.ok(info.isFile() && !info.isDirectory() && !info.isSymbolicLink());
      assert.equal(fs.lstatSync(at('missing')), undefined);
      assert.equal(fs.lstatSync(at('missing/deeper')), undefined, 'a missing folder on the way is missing too');
      assert.equal(await codeOf(() => fs.lstatSync(at('a.txt/x'))), 'ENOTDIR');
      assert.equal(await codeOf(() => fs.stat(at('a.txt/x'))), 'ENOTDIR');
      assert.equal(await codeOf(() => fs.stat(at('missing'))), 'ENOENT');
      assert.equal(fs.existsSync(at('a.txt')), true);
      assert.equal(fs.existsSync(at('missing')), false);
    });

    withDisk('rename over a file replaces it (the moved inode stays); a folder moves with what it holds', async ({ fs }, at) => {
      fs.writeFileSync(at('new'), 'new');
      fs.writeFileSync(at('old'), 'old');
      const ino = fs.lstatSync(at('new'))!.ino;
      await fs.rename(at('new'), at('old'));
      assert.equal(fs.readFileSync(at('old')).toString(), 'new');
      assert.equal(fs.lstatSync(at('old'))!.ino, ino);
      assert.equal(fs.lstatSync(at('new')), undefined);
      await fs.mkdir(at('d/e'), { recursive: true });
      fs.writeFileSync(at('d/e/f.txt'), 'f');
      fs.renameSync(at('d'), at('moved'));
      assert.equal(fs.readFileSync(at('moved/e/f.txt')).toString(), 'f');
      assert.equal(fs.existsSync(at('d')), false);
      fs.mkdirSync(at('empty'));
      await fs.rename(at('moved/e'), at('empty')); // onto an empty folder: replaces it
      assert.deepEqual(fs.readdirSync(at('empty')), ['f.txt']);
    });

    withDisk('rename refuses what POSIX refuses: ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EINVAL', async ({ fs }, at) => {
      fs.writeFileSync(at('file'), 'x');
      await fs.mkdir(at('full/inner'), { recursive: true });
      fs.mkdirSync(at('dir'));
      assert.equal(await codeOf(() => fs.rename(at('nothing'), at('x'))), 'ENOENT');
      assert.equal(await codeOf(() => fs.rename(at('file'), at('no/such/dir/x'))), 'ENOENT');
      assert.equal(await codeOf(() => fs.rename(at('file'), at('dir'))), 'EISDIR');
      assert.equal(await codeOf(() => fs.rename(at('dir'), at('file'))), 'ENOTDIR');
      assert.equal(await codeOf(() => fs.rename(at('dir'), at('full'))), 'ENOTEMPTY');
      assert.equal(await codeOf(() => fs.rename(at('full'), at('full/inner/x'))), 'EINVAL');
      assert.equal(fs.readFileSync(at('file')).toString(), 'x', 'nothing moved');
    });

    withDisk('readdir lists names with their types; a link is a link, not followed', async (s, at) => {
      const { fs } = s;
      fs.writeFileSync(at('f'), '');
      fs.mkdirSync(at('d'));
      s.symlink(at('d'), at('l'));
      s.symlink(at('gone'), at('dangling'));
      const types = (await fs.readdirWithTypes(s.root)).map((e) => `${e.name}:${e.isFile() ? 'file' : e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'link' : '?'}`).sort();
      assert.deepEqual(types, ['d:dir', 'dangling:link', 'f:file', 'l:link']);
      assert.deepEqual((await fs.readdir(s.root)).sort(), ['d', 'dangling', 'f', 'l']);
      assert.ok(fs.lstatSync(at('l'))!.isSymbolicLink());
      assert.ok((await fs.lstat(at('l'))).isSymbolicLink());
      assert.ok((await fs.stat(at('l'))).isDirectory(), 'stat follows');
      assert.equal(fs.existsSync(at('dangling')), false, 'existsSync follows, and the target is gone');
      assert.equal(await codeOf(() => fs.readdir(at('f'))), 'ENOTDIR');
      assert.equal(await codeOf(() => fs.readdir(at('none'))), 'ENOENT');
    });

    withDisk('create, remove and open fail with the codes the engine checks', async ({ fs }, at) => {
      fs.writeFileSync(at('f'), 'x');
      fs.mkdirSync(at('d'));
      fs.writeFileSync(at('d/inside'), 'y');
      assert.equal(await codeOf(() => fs.open(at('none'), 'r')), 'ENOENT');
      assert.equal(await codeOf(() => fs.open(at('none/x'), 'w')), 'ENOENT');
      assert.equal(await codeOf(() => fs.open(at('d'), 'r+')), 'EISDIR');
      assert.equal(await codeOf(() => fs.mkdir(at('d'))), 'EEXIST');
      assert.equal(await codeOf(() => fs.mkdir(at('d'), { recursive: true })), undefined);
      assert.equal(await codeOf(() => fs.mkdir(at('f/sub'), { recursive: true })), 'ENOTDIR');
      assert.equal(await codeOf(() => fs.mkdir(at('no/parent'))), 'ENOENT');
      assert.equal(await codeOf(() => fs.unlink(at('none'))), 'ENOENT');
      assert.equal(await codeOf(() => fs.unlink(at('d'))), 'EISDIR');
      assert.equal(await codeOf(() => fs.rmdir(at('d'))), 'ENOTEMPTY');
      assert.equal(await codeOf(() => fs.rmdir(at('f'))), 'ENOTDIR');
      assert.equal(await codeOf(() => fs.readFile(at('d'))), 'EISDIR');
      await fs.unlink(at('d/inside'));
      await fs.rmdir(at('d'));
      assert.equal(fs.existsSync(at('d')), false);
      fs.mkdirSync(at('tree/a'), { recursive: true });
      fs.writeFileSync(at('tree/a/b'), 'b');
      fs.rmSync(at('tree'), { recursive: true, force: true });
      fs.rmSync(at('tree'), { force: true });
      assert.equal(await codeOf(() => fs.rmSync(at('tree'))), 'ENOENT');
    });

    withDisk('an exclusive create fails when the name exists (O_EXCL, flag wx)', async ({ fs }, at) => {
      const { O_CREAT, O_EXCL, O_RDWR } = fs.constants;
      const first = await fs.open(at('x'), O_CREAT | O_EXCL | O_RDWR, 0o644);
      await first.close();
      assert.equal(await codeOf(() => fs.open(at('x'), O_CREAT | O_EXCL | O_RDWR, 0o644)), 'EEXIST');
      assert.equal(await codeOf(() => fs.writeFileSync(at('x'), 'again', { flag: 'wx' })), 'EEXIST');
      fs.writeFileSync(at('y'), 'new', { flag: 'wx' });
      assert.equal(fs.readFileSync(at('y')).toString(), 'new');
    });

    withDisk('modes: 0700 folders, 0600 files, chmod, and a copy takes its source\'s mode', async ({ fs }, at) => {
      fs.mkdirSync(at('private'), { recursive: true, mode: 0o700 });
      assert.equal(fs.lstatSync(at('private'))!.mode & 0o777, 0o700);
      await fs.writeFile(at('secret'), 's', { mode: 0o600 });
      assert.equal((await fs.stat(at('secret'))).mode & 0o777, 0o600);
      fs.writeFileSync(at('note'), 'n', { mode: 0o600, flag: 'wx' });
      assert.equal(fs.lstatSync(at('note'))!.mode & 0o777, 0o600);
      await fs.chmod(at('secret'), 0o640);
      assert.equal((await fs.stat(at('secret'))).mode & 0o777, 0o640);
      fs.chmodSync(at('private'), 0o750);
      assert.equal(fs.lstatSync(at('private'))!.mode & 0o777, 0o750);
      await fs.copyFile(at('secret'), at('copy'), fs.constants.COPYFILE_FICLONE);
      assert.equal((await fs.stat(at('copy'))).mode & 0o777, 0o640);
      assert.equal(fs.readFileSync(at('copy')).toString(), 's');
    });

    withDisk('an open file writes at offsets, reads back, truncates, sets its mtime and syncs', async ({ fs }, at) => {
      const { O_CREAT, O_RDWR, O_TRUNC } = fs.constants;
      const handle = await fs.open(at('f'), O_RDWR | O_CREAT | O_TRUNC, 0o644);
      try {
        await handle.write(Buffer.from('world'), 0, 5, 6);
        await handle.write(Buffer.from('hello '), 0, 6, 0);
        assert.equal((await handle.stat()).size, 11);
        const buffer = Buffer.alloc(20);
        const { bytesRead } = await handle.read(buffer, 0, 20, 0);
        assert.equal(buffer.subarray(0, bytesRead).toString(), 'hello world');
        assert.equal((await handle.read(buffer, 0, 5, 100)).bytesRead, 0, 'past the end: nothing');
        await handle.truncate(5);
        await handle.utimes(1_700_000_000, 1_700_000_000);
        await handle.sync();
        await handle.datasync();
        const info = await handle.stat();
        assert.equal(info.size, 5);
        assert.equal(info.mtimeMs, 1_700_000_000_000);
      } finally {
        await handle.close();
      }
      await fs.truncate(at('f'), 8);
      const grown = fs.readFileSync(at('f'));
      assert.deepEqual(grown, Buffer.from('hello\0\0\0'), 'a file grown by truncate reads zeros');
      const fd = fs.openSync(at('f'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        assert.equal(fs.fstatSync(fd).size, 8);
        const small = Buffer.alloc(3);
        assert.equal(fs.readSync(fd, small, 0, 3, 1), 3);
        assert.equal(small.toString(), 'ell');
      } finally {
        fs.closeSync(fd);
      }
    });

    withDisk('writeDurably makes the whole file with its mode and mtime; a missing folder is ENOENT', async ({ fs }, at) => {
      const info = await fs.writeDurably(at('t.part'), Buffer.from('bytes'), 1_600_000_000, 0o644);
      assert.equal(info.size, 5);
      assert.equal(info.mtimeMs, 1_600_000_000_000);
      assert.equal(info.ino, fs.lstatSync(at('t.part'))!.ino);
      assert.equal(fs.lstatSync(at('t.part'))!.mode & 0o777, 0o644);
      await fs.writeDurably(at('t.part'), Buffer.from('b'), 1_600_000_000, 0o644);
      assert.equal(fs.readFileSync(at('t.part')).toString(), 'b', 'an existing file is emptied first');
      assert.equal(await codeOf(() => fs.writeDurably(at('none/t.part'), Buffer.from('x'), 1, 0o644)), 'ENOENT');
    });

    withDisk('statfs tells the disk size and what is free', async ({ fs }, at) => {
      for (const space of [fs.statfsSync(at('')), await fs.statfs(at(''))]) {
        assert.ok(space.bsize > 0 && space.blocks > 0 && space.bavail > 0 && space.bavail <= space.blocks);
      }
    });

    withDisk('fast-glob walks through the port: every name, links not followed', async (s, at) => {
      const { fs } = s;
      await fs.mkdir(at('a/b'), { recursive: true });
      fs.writeFileSync(at('a/b/c.txt'), 'c');
      fs.writeFileSync(at('.dot'), '');
      s.symlink(at('a'), at('link'));
      const names = await fg('**', { cwd: s.root, dot: true, onlyFiles: false, markDirectories: true, followSymbolicLinks: false, suppressErrors: true, fs: fs.globAdapter as fg.Options['fs'] });
      assert.deepEqual(names.sort(), ['.dot', 'a/', 'a/b/', 'a/b/c.txt', 'link']);
    });
  });
}

/** The letter-case rules the engine relies on, on a real case-insensitive disk and on the fake. */
const caseSubjects: [string, (t: TestContext) => Promise<Subject | null>][] = [
  [
    'exFAT disk',
    async (t) => {
      const disk = await caseInsensitiveDisk(t);
      return disk && { fs: nodeFileSystem, root: disk.dir, symlink: () => assert.fail('exFAT has no links'), dispose: () => disk.dispose() };
    },
  ],
  ['in memory, case-insensitive', async () => memoryDisk({ caseInsensitive: true })],
];

for (const [name, make] of caseSubjects) {
  test(`FileSystem contract, letter case: ${name}: another case finds the name, keeps its spelling, renames in case only`, async (t) => {
    const s = await make(t);
    if (!s) return; // skipped, with the reason
    const { fs } = s;
    const at = (p: string) => join(s.root, p);
    try {
      fs.writeFileSync(at('Plan.txt'), 'plan');
      assert.equal(fs.readFileSync(at('plan.txt')).toString(), 'plan');
      assert.ok(fs.lstatSync(at('PLAN.TXT'))?.isFile());
      assert.deepEqual(fs.readdirSync(s.root).filter((n) => n.toLowerCase() === 'plan.txt'), ['Plan.txt'], 'the spelling made first stays');
      assert.equal(await codeOf(() => fs.writeFileSync(at('plan.TXT'), 'x', { flag: 'wx' })), 'EEXIST');
      fs.renameSync(at('Plan.txt'), at('plan.txt'));
      assert.deepEqual(fs.readdirSync(s.root).filter((n) => n.toLowerCase() === 'plan.txt'), ['plan.txt'], 'a case-only rename changes the spelling');
      fs.mkdirSync(at('Docs'));
      fs.writeFileSync(at('docs/a.txt'), 'a');
      assert.deepEqual(fs.readdirSync(at('DOCS')), ['a.txt']);
    } finally {
      await s.dispose();
    }
  });
}

describe('MemoryFileSystem options', () => {
  test('coarse mtimes: with a 2 s resolution (FAT) an mtime is cut to an even second', async () => {
    const { fs, root } = memoryDisk({ mtimeResolutionMs: 2000, now: () => 10_999 });
    fs.writeFileSync(join(root, 'f'), 'x');
    assert.equal(fs.lstatSync(join(root, 'f'))!.mtimeMs, 10_000, 'the clock is cut too');
    fs.utimesSync(join(root, 'f'), 0, 1_700_000_001.5);
    assert.equal(fs.lstatSync(join(root, 'f'))!.mtimeMs, 1_700_000_000_000);
    const handle = await fs.open(join(root, 'f'), 'r+');
    await handle.utimes(3.9, 3.9);
    assert.equal((await handle.stat()).mtimeMs, 2000);
    await handle.close();
  });

  test('an injected error fails the named call on the named path only, and changes nothing', async () => {
    const { fs, root } = memoryDisk({ fault: (call, path) => (call === 'write' && path.endsWith('/full.bin') ? 'ENOSPC' : call === 'rename' && path.endsWith('/locked') ? 'EACCES' : call === 'read' && path.endsWith('/bad') ? 'EIO' : undefined) });
    const full = await fs.open(join(root, 'full.bin'), 'w');
    await assert.rejects(full.write(Buffer.from('x'), 0, 1, 0), { code: 'ENOSPC' });
    await full.close();
    assert.equal(fs.lstatSync(join(root, 'full.bin'))!.size, 0);
    await fs.writeFile(join(root, 'other.bin'), 'fine');
    fs.writeFileSync(join(root, 'locked'), 'l');
    await assert.rejects(fs.rename(join(root, 'locked'), join(root, 'moved')), { code: 'EACCES' });
    assert.equal(fs.existsSync(join(root, 'moved')), false);
    fs.writeFileSync(join(root, 'bad'), 'b');
    const fd = fs.openSync(join(root, 'bad'), 'r');
    assert.throws(() => fs.readSync(fd, Buffer.alloc(1), 0, 1, 0), { code: 'EIO' });
    fs.closeSync(fd);
  });

  test('a full disk: a write past the capacity fails with ENOSPC; freeing space lets it through', async () => {
    const { fs, root } = memoryDisk({ capacityBytes: 8192 });
    fs.writeFileSync(join(root, 'a'), Buffer.alloc(6000));
    assert.throws(() => fs.writeFileSync(join(root, 'b'), Buffer.alloc(3000)), { code: 'ENOSPC' });
    assert.equal(fs.statfsSync(root).bavail, Math.floor((8192 - 6000) / 4096));
    await fs.unlink(join(root, 'a'));
    fs.writeFileSync(join(root, 'b'), Buffer.alloc(3000));
  });

  test('latency: an asynchronous call acts only once its delay is over, so calls can be reordered', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { fs, root } = memoryDisk({ delay: (call, path) => (call === 'rename' && path.endsWith('/slow') ? held : undefined) });
    fs.writeFileSync(join(root, 'slow'), 'slow');
    fs.writeFileSync(join(root, 'fast'), 'fast');
    const order: string[] = [];
    const slow = fs.rename(join(root, 'slow'), join(root, 'target')).then(() => order.push('slow'));
    await fs.rename(join(root, 'fast'), join(root, 'target')).then(() => order.push('fast'));
    assert.equal(fs.readFileSync(join(root, 'target')).toString(), 'fast');
    release();
    await slow;
    assert.deepEqual(order, ['fast', 'slow']);
    assert.equal(fs.readFileSync(join(root, 'target')).toString(), 'slow', 'the delayed rename landed last');
  });
});
