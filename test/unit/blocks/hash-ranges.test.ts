// Hashing ranges of a file on the worker pool: each digest as node:crypto gives it, in
// order, and null for a range the file ends before.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BLOCK_SIZE } from '../../../shared/common/blocks.js';
import { hashRanges } from '../../../shared/node/blocks/hash-ranges.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('hashes every range of a file, in order, and gives null past its end', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hsync-ranges-'));
  try {
    const data = randomBytes(2 * BLOCK_SIZE + 12_345);
    await writeFile(join(dir, 'f'), data);
    const ranges = [
      { offset: BLOCK_SIZE, size: BLOCK_SIZE },
      { offset: 0, size: BLOCK_SIZE },
      { offset: 2 * BLOCK_SIZE, size: 12_345 },
      { offset: 7, size: 100 },
      { offset: 2 * BLOCK_SIZE, size: 12_346 }, // one byte past the end
      { offset: 3 * BLOCK_SIZE, size: 1 },
    ];
    const handle = await open(join(dir, 'f'), 'r');
    try {
      const hashes = await hashRanges(handle, ranges);
      assert.deepEqual(hashes, [
        sha(data.subarray(BLOCK_SIZE, 2 * BLOCK_SIZE)),
        sha(data.subarray(0, BLOCK_SIZE)),
        sha(data.subarray(2 * BLOCK_SIZE)),
        sha(data.subarray(7, 107)),
        null,
        null,
      ]);
      await assert.rejects(hashRanges(handle, [{ offset: 0, size: BLOCK_SIZE + 1 }]), /over one block/);
    } finally {
      await handle.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
