// BlockPrefetch: requests cut by count and bytes, only a few requests ahead of the files
// being written, shared blocks kept until their last file took them, and which failures
// stop the cycle and which fall back to single reads.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { SyncError } from '../../../shared/common/errors.js';
import { BlockPrefetch } from '../../../shared/node/engine/block-prefetch.js';

const hash = (i: number) => i.toString(16).padStart(64, '0') as BlockHash;

/** A remote answering every hash with its index as one byte, recording each request. */
function fakeRemote(fail?: (call: number) => Error | null) {
  const calls: BlockHash[][] = [];
  return {
    calls,
    async getBlocks(hashes: BlockHash[]) {
      calls.push(hashes);
      const error = fail?.(calls.length);
      if (error) throw error;
      return new Map(hashes.map((h) => [h, Buffer.from([parseInt(h, 16) & 0xff])]));
    },
  };
}

test('requests are cut by block count and by bytes, in the order given', async () => {
  const remote = fakeRemote();
  const wanted = Array.from({ length: 10 }, (_, i) => ({ hash: hash(i), size: i === 5 ? 950 : 100 }));
  const prefetch = new BlockPrefetch(remote, wanted, { maxBlocks: 4, maxBytes: 1000, ahead: 10 });
  prefetch.start();
  for (let i = 0; i < 10; i++) assert.deepEqual(await prefetch.take(hash(i)), Buffer.from([i]));
  // [0..3] by count; then 4 alone, 5 alone and [6..9], since 5 with a neighbour passes 1000 bytes.
  assert.deepEqual(
    remote.calls.map((c) => c.map((h) => parseInt(h, 16))),
    [[0, 1, 2, 3], [4], [5], [6, 7, 8, 9]],
  );
});

test('only `ahead` requests run beyond the one being taken', async () => {
  const remote = fakeRemote();
  const wanted = Array.from({ length: 20 }, (_, i) => ({ hash: hash(i), size: 10 }));
  const prefetch = new BlockPrefetch(remote, wanted, { maxBlocks: 2, ahead: 1 });
  prefetch.start();
  assert.equal(remote.calls.length, 2);
  await prefetch.take(hash(0));
  assert.equal(remote.calls.length, 2);
  await prefetch.take(hash(4)); // request 2: requests 2 and 3 start
  assert.equal(remote.calls.length, 4);
});

test('a block shared by several files stays until the last of them took it', async () => {
  const remote = fakeRemote();
  const wanted = [hash(1), hash(2), hash(1)].map((h) => ({ hash: h, size: 1 }));
  const prefetch = new BlockPrefetch(remote, wanted);
  prefetch.start();
  assert.equal(remote.calls[0].length, 2); // asked once
  assert.ok(await prefetch.take(hash(1)));
  assert.ok(await prefetch.take(hash(1)));
  assert.equal(await prefetch.take(hash(1)), null); // all its files are served
  assert.equal(await prefetch.take(hash(99)), null); // never asked for
});

test('a wrong block or a missing route falls back to single reads; unreachable or unauthorized stop', async () => {
  const fallback = new BlockPrefetch(fakeRemote(() => new SyncError('hash_mismatch', 'wrong bytes')), [{ hash: hash(1), size: 1 }]);
  fallback.start();
  assert.equal(await fallback.take(hash(1)), null);
  for (const code of ['unavailable', 'unauthorized'] as const) {
    const stop = new BlockPrefetch(fakeRemote(() => new SyncError(code, 'gone')), [{ hash: hash(1), size: 1 }]);
    stop.start();
    await assert.rejects(stop.take(hash(1)), (error: SyncError) => error.code === code);
  }
});
