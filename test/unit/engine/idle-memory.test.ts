// releaseMemory really collects: garbage left by a big walk is gone from the heap afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { releaseMemory, SETTLE_MS } from '../../../shared/node/engine/idle-memory.js';

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

test('a collection once allocation has settled gives the grown young generation back', async () => {
  const youngSize = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  // Churn short-lived objects until V8 has grown the young generation.
  const sink: number[] = [];
  for (let round = 0; round < 12; round++) {
    const batch = [];
    for (let i = 0; i < 150_000; i++) batch.push({ i, name: `f${i}` });
    sink.push(batch.length);
  }
  const grown = youngSize();
  assert.ok(grown >= 8 * 1048576, `young generation grew to ${grown} bytes`);
  releaseMemory(SETTLE_MS);
  assert.ok(youngSize() >= grown / 2, 'right after a busy stretch V8 keeps it (that is why the late collection exists)');
  await new Promise((r) => setTimeout(r, SETTLE_MS + 500));
  assert.ok(youngSize() < grown / 4, `young generation ${youngSize()} bytes after settling (was ${grown})`);
  assert.equal(sink.length, 12);
});

test('releaseMemory compacts the old generation: survivors scattered over many pages end up on few', () => {
  const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!;
  let all: { path: string; n: number }[] = [];
  for (let i = 0; i < 600_000; i++) all.push({ path: `d${i % 1000}/f${i}`, n: i + 0.5 });
  releaseMemory(); // now they live in the old generation
  // Two of every three go, as when a scan's garbage is dropped and the index stays.
  const kept = all.filter((_, i) => i % 3 === 0);
  all = [];
  releaseMemory();
  const { space_size: size, space_used_size: used } = oldSpace();
  const mb = (n: number) => (n / 1048576).toFixed(1);
  assert.ok(size - used < 8 * 1048576, `old space ${mb(size)} MB for ${mb(used)} MB of objects`);
  assert.equal(kept.length, 200_000);
});
