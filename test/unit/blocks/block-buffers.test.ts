// Block buffers shared between hashing, uploads and downloads: a buffer given back is the next
// one handed out, a few are kept at most, and one moved to another thread is not kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_SIZE } from '../../../shared/common/blocks.js';
import { giveBlockBuffer, spareBlockBuffers, takeBlockBuffer } from '../../../shared/node/blocks/block-buffers.js';

test('a buffer given back is handed out again instead of a new one', () => {
  const first = takeBlockBuffer();
  assert.equal(first.byteLength, BLOCK_SIZE);
  giveBlockBuffer(first);
  giveBlockBuffer(first); // twice: still one spare, never handed to two users
  assert.equal(spareBlockBuffers(), 1);
  assert.equal(takeBlockBuffer(), first);
  assert.notEqual(takeBlockBuffer(), first);
});

test('at most four are kept, and a transferred (emptied) buffer is not', () => {
  const taken = Array.from({ length: 6 }, takeBlockBuffer);
  for (const buffer of taken) giveBlockBuffer(buffer);
  assert.equal(spareBlockBuffers(), 4);
  while (spareBlockBuffers() > 0) takeBlockBuffer();
  const moved = takeBlockBuffer();
  structuredClone(moved, { transfer: [moved] });
  giveBlockBuffer(moved);
  assert.equal(spareBlockBuffers(), 0);
});
