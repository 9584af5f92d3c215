// Streams a file as 4 MiB blocks with their SHA-256, never holding more than two blocks
// in memory. The next block is read (in libuv's thread pool) while the current one is
// hashed on this thread, so reading and hashing overlap on a two-core machine.

import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { FileSystem, OpenFile } from '../fs/file-system.js';
import { BLOCK_SIZE, type BlockHash, type BlockRef, type ContentHash } from '../../common/blocks.js';
import { giveBlockBuffer, takeBlockBuffer } from './block-buffers.js';
import { blockHashOf, contentHashOf } from './content-hash.js';
import { hashPool, type HashPool } from './hash-pool.js';

export interface Block extends BlockRef {
  /** The block's bytes. Valid only until the iterator advances: the buffer is reused. */
  bytes: Buffer;
}

export interface FileHashes {
  size: number;
  contentHash: ContentHash;
  blocks: BlockRef[];
}

/** What readFull needs of an open file (a FileHandle, or the FileSystem port's OpenFile). */
export type ReadableFile = Pick<OpenFile, 'read'>;

/**
 * readFull with synchronous reads, for small files (see SYNC_READ_MAX in hash-snapshot.ts);
 * `fs`: the file system `fd` belongs to.
 */
export function readFullSync(fd: number, buffer: Buffer, position: number, fs: Pick<FileSystem, 'readSync'> = { readSync }): number {
  let filled = 0;
  while (filled < buffer.length) {
    const bytesRead = fs.readSync(fd, buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** Fills `buffer` from `position`; returns the bytes read, short only at end of file. */
export async function readFull(handle: ReadableFile, buffer: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/**
 * Yields the blocks of an open file in order. The caller owns `handle`. A file that grows
 * while being read yields the extra blocks too; callers that need one moment's snapshot
 * compare stat before and after (see the engine's scanner).
 */
export async function* readBlocks(handle: FileHandle): AsyncGenerator<Block> {
  const buffers = [Buffer.allocUnsafe(BLOCK_SIZE), Buffer.allocUnsafe(BLOCK_SIZE)];
  let which = 0;
  let offset = 0;
  let pending = readFull(handle, buffers[which], offset);
  for (;;) {
    const size = await pending;
    if (size === 0) return;
    const bytes = buffers[which].subarray(0, size);
    which ^= 1;
    // Start the next read before hashing this block; a short block means end of file.
    pending = size < BLOCK_SIZE ? Promise.resolve(0) : readFull(handle, buffers[which], offset + size);
    yield { offset, size, hash: blockHashOf(bytes), bytes };
    offset += size;
  }
}

/**
 * Hashes a whole file: its size, content hash and block list. A file of more than one block
 * is hashed on worker threads while this thread reads ahead, so hashing runs on every core.
 */
export async function hashFile(path: string): Promise<FileHashes> {
  const handle = await open(path, 'r');
  try {
    return (await handle.stat()).size > BLOCK_SIZE ? await hashInParallel(handle) : await hashInline(handle);
  } finally {
    await handle.close();
  }
}

async function hashInline(handle: FileHandle): Promise<FileHashes> {
  const blocks: BlockRef[] = [];
  let size = 0;
  for await (const block of readBlocks(handle)) {
    blocks.push({ offset: block.offset, size: block.size, hash: block.hash });
    size += block.size;
  }
  return { size, contentHash: contentHashOf(blocks.map((b) => b.hash)), blocks };
}

/** Every this many blocks, hashInParallel asks its caller whether to go on. */
const CHECK_EVERY_BLOCKS = 16;

/**
 * Hashes an open file from its start on worker threads (see hashFile); the caller owns
 * `handle`. A file that grows while being read yields the extra blocks too. `abandon`, asked
 * every 16 blocks, lets a caller stop early (a file still being written is not worth
 * finishing): the result is then null.
 */
export async function hashInParallel(handle: ReadableFile): Promise<FileHashes>;
export async function hashInParallel(handle: ReadableFile, abandon: () => Promise<boolean>): Promise<FileHashes | null>;
export async function hashInParallel(handle: ReadableFile, abandon?: () => Promise<boolean>): Promise<FileHashes | null> {
  const pool = hashPool();
  // One buffer per worker plus one being read: reads and hashing overlap, memory stays bounded.
  const free = Array.from({ length: pool.size + 1 }, takeBlockBuffer);
  try {
    return await hashBlocks(handle, pool, free, abandon);
  } finally {
    // The ones back from the workers; one still out after a failure is left to the collector.
    for (const buffer of free) giveBlockBuffer(buffer);
  }
}

async function hashBlocks(handle: ReadableFile, pool: HashPool, free: ArrayBuffer[], abandon?: () => Promise<boolean>): Promise<FileHashes | null> {
  let bufferReturned: (() => void) | null = null;
  const blocks: BlockRef[] = [];
  const jobs: Promise<void>[] = [];
  let failure: unknown = null;
  let offset = 0;
  for (let index = 0; ; index++) {
    while (free.length === 0 && !failure) await new Promise<void>((resolve) => (bufferReturned = resolve));
    if (failure) throw failure;
    if (abandon && index > 0 && index % CHECK_EVERY_BLOCKS === 0 && (await abandon())) {
      await Promise.all(jobs);
      return null;
    }
    const buffer = free.pop()!;
    const size = await readFull(handle, Buffer.from(buffer), offset);
    if (size === 0) {
      free.push(buffer);
      break;
    }
    const block = { offset, size };
    jobs.push(
      pool.hash(buffer, size).then(
        (done) => {
          blocks[index] = { ...block, hash: done.hash as BlockHash };
          free.push(done.buffer);
          bufferReturned?.();
        },
        (error: unknown) => {
          // Remembered and rethrown by the loop: a rejection nobody awaits yet would crash Node.
          failure ??= error;
          bufferReturned?.();
        },
      ),
    );
    offset += size;
    if (size < BLOCK_SIZE) break;
  }
  await Promise.all(jobs);
  if (failure) throw failure;
  return { size: offset, contentHash: contentHashOf(blocks.map((b) => b.hash)), blocks };
}
