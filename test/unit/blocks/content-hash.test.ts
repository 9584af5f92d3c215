// Content hash and chunker at the block boundaries, checked against Python's hashlib
// (a second, independent SHA-256 and chunking) and against Dropbox's published vector.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BLOCK_SIZE, EMPTY_CONTENT_HASH, blockCount, blockRange, isBlockHash } from '../../../shared/common/blocks.js';
import { hashFile } from '../../../shared/node/blocks/chunker.js';
import { contentHashOf } from '../../../shared/node/blocks/content-hash.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MiB = 1024 * 1024;
const dir = tempDir('hsync-hash-');

/** Deterministic, non-repeating bytes (a repeating pattern could hide an offset bug). */
function bytes(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const PYTHON = `
import hashlib, sys
data = open(sys.argv[1], 'rb').read()
digests = [hashlib.sha256(data[i:i + 4194304]).digest() for i in range(0, len(data), 4194304)]
print(hashlib.sha256(b''.join(digests)).hexdigest())
print(' '.join(d.hex() for d in digests))
`;

function pythonHashes(path: string): { content: string; blocks: string[] } {
  const [content, blocks = ''] = execFileSync('python3', ['-c', PYTHON, path], { encoding: 'utf8' }).split('\n');
  return { content, blocks: blocks.split(' ').filter(Boolean) };
}

for (const size of [0, 1, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 8 * MiB, 8 * MiB + 1]) {
  test(`a ${size}-byte file hashes as hashlib computes it`, async () => {
    const path = join(dir, `f${size}`);
    writeFileSync(path, bytes(size, size + 7));
    const ours = await hashFile(path);
    const theirs = pythonHashes(path);
    assert.equal(ours.size, size);
    assert.equal(ours.contentHash, theirs.content);
    assert.deepEqual(ours.blocks.map((b) => b.hash), theirs.blocks);
    assert.equal(ours.blocks.length, blockCount(size));
    ours.blocks.forEach((b, i) => assert.deepEqual({ offset: b.offset, size: b.size }, blockRange(i, size)));
  });
}

test('an empty file has no blocks and the SHA-256 of nothing', async () => {
  const path = join(dir, 'empty');
  writeFileSync(path, '');
  const result = await hashFile(path);
  assert.deepEqual(result.blocks, []);
  assert.equal(result.contentHash, EMPTY_CONTENT_HASH);
});

test("combining block digests matches Dropbox's published example", () => {
  const combined = contentHashOf([
    '2a846fa617c3361fc117e1c5c1e1838c336b6a5cef982c1a2d9bdf68f2f1992a',
    'c68469027410ea393eba6551b9fa1e26db775f00eae70a0c3c129a0011a39cf9',
    '7376192de020925ce6c5ef5a8a0405e931b0a9a8c75517aacd9ca24a8a56818b',
  ]);
  assert.equal(combined, '485291fa0ee50c016982abbfa943957bcd231aae0492ccbaa22c58e3997b35e0');
});

test('block math: counts, ranges and hash syntax', () => {
  assert.equal(BLOCK_SIZE, 4_194_304);
  assert.equal(blockCount(0), 0);
  assert.equal(blockCount(BLOCK_SIZE), 1);
  assert.equal(blockCount(BLOCK_SIZE + 1), 2);
  assert.deepEqual(blockRange(1, BLOCK_SIZE + 5), { offset: BLOCK_SIZE, size: 5 });
  assert.throws(() => blockRange(1, BLOCK_SIZE), RangeError);
  assert.throws(() => blockCount(-1), RangeError);
  assert.ok(isBlockHash(EMPTY_CONTENT_HASH));
  assert.ok(!isBlockHash(String(EMPTY_CONTENT_HASH).toUpperCase()));
  assert.ok(!isBlockHash('../etc/passwd'));
});
