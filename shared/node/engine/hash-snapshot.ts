// Hashes a file as one moment's snapshot: stat before and after reading; if the file moved
// in between (a growing log, a download in progress) the result is discarded, never a mix.

import { BLOCK_SIZE, type BlockRef, type ContentHash } from '../../common/blocks.js';
import { hashInParallel, readFullSync } from '../blocks/chunker.js';
import { blockHashOf, contentHashOf } from '../blocks/content-hash.js';
import type { FileSystem } from '../fs/file-system.js';
import type { KeptBytes } from './kept-bytes.js';

export interface Snapshot {
  size: number;
  mtime: number;
  ino: number;
  contentHash: ContentHash;
  blocks: BlockRef[];
}

/**
 * Files up to this size are read with synchronous calls. Each async file call is a round
 * trip through the thread pool costing ~0.1 ms of this thread's time; five per file were most
 * of the CPU of scanning and uploading 10,000 small files, while reading 256 KiB from the page
 * cache takes a fraction of that.
 */
export const SYNC_READ_MAX = 256 * 1024;

/**
 * The file's hashes, or null when it changed while being read. Throws for I/O errors.
 * `keep`: where a small file's bytes are kept for its upload (kept-bytes.ts).
 */
export async function hashSnapshot(fs: FileSystem, absPath: string, options: { keep?: KeptBytes } = {}): Promise<Snapshot | null> {
  const small = smallSnapshot(fs, absPath, options.keep);
  if (small !== undefined) return small;
  const handle = await fs.open(absPath, 'r');
  try {
    const before = await handle.stat();
    const blocks: BlockRef[] = [];
    let size = 0;
    if (before.size < BLOCK_SIZE) {
      // Small files (most of a tree) in one read into a buffer of their size: the streaming
      // chunker's two 4 MiB buffers per file would make hashing 10,000 files a GC storm.
      const buffer = Buffer.allocUnsafe(before.size + 1);
      while (size < buffer.length) {
        const { bytesRead } = await handle.read(buffer, size, buffer.length - size, size);
        if (bytesRead === 0) break;
        size += bytesRead;
      }
      if (size > before.size) return null; // grew while reading
      if (size > 0) blocks.push({ offset: 0, size, hash: blockHashOf(buffer.subarray(0, size)) });
    } else {
      // Big files hash on the worker pool while this thread reads ahead; one still being
      // written is dropped as soon as a stat shows it, not after reading all of it.
      const moved = async () => {
        const now = await handle.stat();
        return now.size !== before.size || now.mtimeMs !== before.mtimeMs;
      };
      const hashed = await hashInParallel(handle, moved);
      if (!hashed) return null;
      for (const block of hashed.blocks) blocks.push(block);
      size = hashed.size;
    }
    const after = await handle.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || size !== after.size) return null;
    return { size, mtime: after.mtimeMs, ino: after.ino, contentHash: contentHashOf(blocks.map((b) => b.hash)), blocks };
  } finally {
    await handle.close();
  }
}

/** hashSnapshot for a small file, synchronously; undefined when the file is not small. */
function smallSnapshot(fs: FileSystem, absPath: string, keep: KeptBytes | undefined): Snapshot | null | undefined {
  // O_NONBLOCK: a FIFO swapped in since the scan must not block this thread on open.
  const fd = fs.openSync(absPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const before = fs.fstatSync(fd);
    if (!before.isFile()) return null;
    if (before.size > SYNC_READ_MAX) return undefined;
    // One byte more than the size: reading it means the file grew meanwhile.
    const buffer = Buffer.allocUnsafe(before.size + 1);
    const size = readFullSync(fd, buffer, 0, fs);
    const after = fs.fstatSync(fd);
    if (size !== before.size || after.size !== before.size || after.mtimeMs !== before.mtimeMs) return null;
    const blocks: BlockRef[] = size > 0 ? [{ offset: 0, size, hash: blockHashOf(buffer.subarray(0, size)) }] : [];
    if (keep && size > 0) keep.keep(blocks[0], buffer.subarray(0, size));
    return { size, mtime: after.mtimeMs, ino: after.ino, contentHash: contentHashOf(blocks.map((b) => b.hash)), blocks };
  } finally {
    fs.closeSync(fd);
  }
}
