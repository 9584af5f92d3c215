// releaseMemory really collects: garbage left by a big walk is gone from the heap afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseMemory } from '../../../shared/node/engine/idle-memory.js';

test('releaseMemory frees unreachable objects and gives heap pages back', () => {
  let garbage: Map<string, { size: number; mtime: number }> | null = new Map();
  for (let i = 0; i < 300_000; i++) garbage.set(`dir${i % 1000}/file-${i}.txt`, { size: i, mtime: i + 0.5 });
  const before = process.memoryUsage();
  garbage = null;
  releaseMemory();
  const after = process.memoryUsage();
  const mb = (n: number) => (n / 1048576).toFixed(1);
  assert.ok(after.heapUsed < before.heapUsed - 20 * 1048576, `heap used ${mb(before.heapUsed)} -> ${mb(after.heapUsed)} MB`);
  assert.ok(after.heapTotal < before.heapTotal, `heap total ${mb(before.heapTotal)} -> ${mb(after.heapTotal)} MB`);
  assert.equal(garbage, null);
});
