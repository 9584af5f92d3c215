// The worker-thread hash pool: right digests for many blocks at once, buffers handed back
// whole, and idle workers that let the process exit (this file would hang otherwise).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { HashPool } from '../../../shared/node/blocks/hash-pool.js';

test('hashes many blocks in parallel, each as node:crypto does, and returns the buffers', async () => {
  const pool = new HashPool(2);
  const blocks = Array.from({ length: 9 }, (_, i) => randomBytes(1000 + i * 70_000));
  const expected = blocks.map((b) => createHash('sha256').update(b).digest('hex'));
  const results = await Promise.all(
    blocks.map((b) => {
      // A buffer with spare room: only the first `length` bytes count.
      const buffer = new ArrayBuffer(b.length + 17);
      new Uint8Array(buffer).set(b);
      return pool.hash(buffer, b.length);
    }),
  );
  assert.deepEqual(results.map((r) => r.hash), expected);
  results.forEach((r, i) => assert.deepEqual(Buffer.from(r.buffer, 0, blocks[i].length), blocks[i]));
});

test('idle workers end after the idle time, and the next job starts them again', async () => {
  const pool = new HashPool(2, 50);
  const bytes = randomBytes(5000);
  const expected = createHash('sha256').update(bytes).digest('hex');
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  const first = await pool.hash(buffer, bytes.length);
  assert.equal(first.hash, expected);
  assert.equal(pool.threads, 1);
  const deadline = Date.now() + 5000;
  while (pool.threads > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(pool.threads, 0, 'the idle worker has ended');
  const again = await pool.hash(first.buffer, bytes.length);
  assert.equal(again.hash, expected);
  assert.equal(pool.threads, 1);
});
