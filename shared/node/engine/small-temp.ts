// Writes a small downloaded file whose bytes are already in memory (and hash-checked) to
// its own temp file under `<root>/.hsync/tmp/`, with the journal's mtime, made durable:
// the same result as fetchToTemp without re-reading anything. Each call gets a unique temp
// name (the engine's own sequence, engine-disk.ts), so two files with the same content can
// be written at once; there is nothing to resume for a file this small, and removeStaleTemp
// clears names left by a crash.

import { join } from 'node:path';
import type { ContentHash } from '../../common/blocks.js';
import type { FileStats } from '../fs/file-system.js';
import { tempDir, type Fetched } from './downloader.js';
import type { EngineDisk } from './engine-disk.js';

export async function writeSmallTemp(disk: EngineDisk, root: string, file: { contentHash: ContentHash; mtime: number }, bytes: Buffer): Promise<Fetched> {
  const dir = tempDir(root);
  await disk.folders.ensure(dir);
  const temp = join(dir, `${file.contentHash.slice(0, 32)}-${process.pid}-${disk.nextTempNumber()}.part`);
  let done: FileStats;
  try {
    // fdatasync inside: the bytes and the size are on disk before the caller renames the
    // file into place and records it; the mtime set just before goes with them on
    // journaling file systems, and a crash that lost it would only make the next scan
    // re-hash this file.
    done = await writeTemp(disk, dir, temp, bytes, file.mtime / 1000);
  } catch (error) {
    // A name nobody will resume: a failed write leaves nothing behind.
    await disk.fs.unlink(temp).catch(() => undefined);
    throw error;
  }
  return { temp, size: done.size, mtime: done.mtimeMs, ino: done.ino };
}

async function writeTemp(disk: EngineDisk, dir: string, temp: string, bytes: Buffer, mtimeSeconds: number): Promise<FileStats> {
  try {
    return await disk.fs.writeDurably(temp, bytes, mtimeSeconds, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    disk.folders.forget(); // someone removed .hsync/tmp meanwhile
    await disk.fs.mkdir(dir, { recursive: true });
    return disk.fs.writeDurably(temp, bytes, mtimeSeconds, 0o644);
  }
}
