// SHA-256 of given byte ranges of an open file, on the worker pool while this thread reads
// ahead: checking a 1 GiB file against its block list runs on every core, not one.

import { BLOCK_SIZE } from '../../common/blocks.js';
import { readFull, type ReadableFile } from './chunker.js';
import { hashPool } from './hash-pool.js';

export interface ByteRange {
  offset: number;
  size: number;
}

/**
 * The hex SHA-256 of each range (at most BLOCK_SIZE bytes each), in order; null for a range
 * the file does not fully hold (it ends first). The caller owns `handle`. Read errors and
 * worker failures reject, after every started job has settled.
 */
export async function hashRanges(handle: ReadableFile, ranges: readonly ByteRange[]): Promise<(string | null)[]> {
  const pool = hashPool();
  // One buffer per worker plus one being read: memory stays bounded whatever the file size.
  const free = Array.from({ length: pool.size + 1 }, () => new ArrayBuffer(BLOCK_SIZE));
  let bufferReturned: (() => void) | null = null;
  const hashes: (string | null)[] = new Array(ranges.length).fill(null);
  const jobs: Promise<void>[] = [];
  let failure: unknown = null;
  try {
    for (let i = 0; i < ranges.length && !failure; i++) {
      const { offset, size } = ranges[i];
      if (size > BLOCK_SIZE) throw new RangeError(`hash range at ${offset}: ${size} bytes is over one block`);
      while (free.length === 0 && !failure) await new Promise<void>((resolve) => (bufferReturned = resolve));
      if (failure) break;
      const buffer = free.pop()!;
      const read = await readFull(handle, Buffer.from(buffer, 0, size), offset);
      if (read < size) {
        free.push(buffer); // the file ends before this range: it cannot match
        continue;
      }
      jobs.push(
        pool.hash(buffer, size).then(
          (done) => {
            hashes[i] = done.hash;
            free.push(done.buffer);
            bufferReturned?.();
          },
          (error: unknown) => {
            // Remembered and rethrown below: a rejection nobody awaits yet would crash Node.
            failure ??= error;
            bufferReturned?.();
          },
        ),
      );
    }
  } finally {
    await Promise.all(jobs);
  }
  if (failure) throw failure;
  return hashes;
}
