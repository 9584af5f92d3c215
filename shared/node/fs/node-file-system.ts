// The FileSystem port over the real disk: node:fs, call for call (file-system.ts).

import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { promisify } from 'node:util';
import type { FileStats, FileSystem } from './file-system.js';

// writeDurably uses plain callback calls (promisified), not FileHandle methods: each
// FileHandle call adds its own promise and reference bookkeeping on this thread, which for
// 10,000 small downloaded files cost ~0.5 s of CPU. They stay asynchronous: while other
// downloads flush, creating a file can wait on the file system's journal, and a synchronous
// call would stall the event loop then.
const openFd = promisify(fs.open);
const writeFd = promisify(fs.write);
const futimes = promisify(fs.futimes);
const fdatasync = promisify(fs.fdatasync);
const fstat = promisify(fs.fstat);
const closeFd = promisify(fs.close);

async function writeDurably(path: string, bytes: Buffer, mtimeSeconds: number, mode: number): Promise<FileStats> {
  const fd = await openFd(path, 'w', mode);
  try {
    // Short writes (a nearly full disk) are continued until every byte is written.
    for (let offset = 0; offset < bytes.length; ) {
      const n = (await writeFd(fd, bytes, offset, bytes.length - offset)).bytesWritten;
      if (n <= 0) throw Object.assign(new Error(`write "${path}": the disk took no more bytes`), { code: 'ENOSPC' });
      offset += n;
    }
    await futimes(fd, mtimeSeconds, mtimeSeconds);
    await fdatasync(fd);
    return await fstat(fd);
  } finally {
    await closeFd(fd);
  }
}

export const nodeFileSystem: FileSystem = {
  constants: fs.constants,
  lstatSync: (path) => fs.lstatSync(path, { throwIfNoEntry: false }),
  existsSync: (path) => fs.existsSync(path),
  readdirSync: (path) => fs.readdirSync(path),
  readFileSync: (path) => fs.readFileSync(path),
  writeFileSync: (path, data, options) => fs.writeFileSync(path, data, options),
  renameSync: (from, to) => fs.renameSync(from, to),
  rmSync: (path, options) => fs.rmSync(path, options),
  mkdirSync: (path, options) => {
    fs.mkdirSync(path, options);
  },
  chmodSync: (path, mode) => fs.chmodSync(path, mode),
  statfsSync: (path) => fs.statfsSync(path),
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  fstatSync: (fd) => fs.fstatSync(fd),
  readSync: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  closeSync: (fd) => fs.closeSync(fd),
  stat: (path) => fsp.stat(path),
  lstat: (path) => fsp.lstat(path),
  readdir: (path) => fsp.readdir(path),
  readdirWithTypes: (path) => fsp.readdir(path, { withFileTypes: true }),
  readFile: (path) => fsp.readFile(path),
  writeFile: (path, data, options) => fsp.writeFile(path, data, options),
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  mkdir: async (path, options) => {
    await fsp.mkdir(path, options);
  },
  rmdir: (path) => fsp.rmdir(path),
  chmod: (path, mode) => fsp.chmod(path, mode),
  truncate: (path, length) => fsp.truncate(path, length),
  copyFile: (from, to, mode) => fsp.copyFile(from, to, mode),
  statfs: (path) => fsp.statfs(path),
  writeDurably,
  globAdapter: fs,
};
