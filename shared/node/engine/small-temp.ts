// Writes a small downloaded file whose bytes are already in memory (and hash-checked) to
// its own temp file under `<root>/.hsync/tmp/`, with the journal's mtime, made durable:
// the same result as fetchToTemp without re-reading anything. Each call gets a unique temp
// name, so two files with the same content can be written at once; there is nothing to
// resume for a file this small, and removeStaleTemp clears names left by a crash.
//
// Plain callback calls (promisified), not FileHandle methods: each FileHandle call adds its
// own promise and reference bookkeeping on this thread, which for 10,000 small files cost
// ~0.5 s of CPU. They stay asynchronous: while other downloads flush, creating a file can
// wait on the file system's journal, and a synchronous call would stall the event loop then.

import { close as closeCb, fdatasync, fstat as fstatCb, futimes as futimesCb, mkdir, open as openCb, unlink, write as writeCb } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContentHash } from '../../common/blocks.js';
import { tempDir, type Fetched } from './downloader.js';
import { ensureDir, forgetDirs } from './local-files.js';

const open = promisify(openCb);
const write = promisify(writeCb);
const futimes = promisify(futimesCb);
const flush = promisify(fdatasync);
const fstat = promisify(fstatCb);
const close = promisify(closeCb);
const mkdirp = promisify(mkdir);
const remove = promisify(unlink);

let sequence = 0;

export async function writeSmallTemp(root: string, file: { contentHash: ContentHash; mtime: number }, bytes: Buffer): Promise<Fetched> {
  const dir = tempDir(root);
  await ensureDir(dir);
  const temp = join(dir, `${file.contentHash.slice(0, 32)}-${process.pid}-${sequence++}.part`);
  const fd = await openTemp(dir, temp);
  let written = false;
  try {
    // Short writes (a nearly full disk) are continued until every byte is written.
    for (let offset = 0; offset < bytes.length; ) {
      const n = (await write(fd, bytes, offset, bytes.length - offset)).bytesWritten;
      if (n <= 0) throw Object.assign(new Error(`write "${temp}": the disk took no more bytes`), { code: 'ENOSPC' });
      offset += n;
    }
    const seconds = file.mtime / 1000;
    await futimes(fd, seconds, seconds);
    // fdatasync: the bytes and the size are on disk before the caller renames the file into
    // place and records it; the mtime set just before goes with them on journaling file
    // systems, and a crash that lost it would only make the next scan re-hash this file.
    await flush(fd);
    const done = await fstat(fd);
    written = true;
    return { temp, size: done.size, mtime: done.mtimeMs, ino: done.ino };
  } finally {
    await close(fd);
    // A name nobody will resume: a failed write leaves nothing behind.
    if (!written) await remove(temp).catch(() => undefined);
  }
}

async function openTemp(dir: string, temp: string): Promise<number> {
  try {
    return await open(temp, 'w', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    forgetDirs(); // someone removed .hsync/tmp meanwhile
    await mkdirp(dir, { recursive: true });
    return open(temp, 'w', 0o644);
  }
}
