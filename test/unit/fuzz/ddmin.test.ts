// The fuzzer's shrinker (test/helpers/ddmin.ts) against failures whose cause is known: it
// must find exactly the operations the failure needs, run no candidate twice, and stop at
// its time budget with a list that still fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ddmin } from '../../helpers/ddmin.js';

const ops = Array.from({ length: 40 }, (_, i) => `op${i}`);

test('a failure that needs two operations shrinks to exactly those two, in order', async () => {
  const runs: string[] = [];
  const fails = async (candidate: string[]) => {
    runs.push(candidate.join(','));
    return candidate.includes('op7') && candidate.includes('op31');
  };
  const result = await ddmin(ops, fails);
  assert.deepEqual(result.items, ['op7', 'op31']);
  assert.equal(result.outOfBudget, false);
  assert.equal(new Set(runs).size, runs.length, 'no candidate was run twice');
  assert.equal(result.tries, runs.length);
  assert.ok(result.tries < 60, `${result.tries} runs for 40 operations`);
});

test('a failure that needs three scattered operations, one of them the last, keeps those three', async () => {
  const needed = ['op0', 'op19', 'op39'];
  const result = await ddmin(ops, async (candidate) => needed.every((op) => candidate.includes(op)));
  assert.deepEqual(result.items, needed);
});

test('a failure that needs one operation shrinks to it; one that needs none shrinks to nothing', async () => {
  assert.deepEqual((await ddmin(ops, async (candidate) => candidate.includes('op23'))).items, ['op23']);
  assert.deepEqual((await ddmin(ops, async () => true)).items, []);
});

test('the time budget stops the search with the smallest list found so far, which fails', async () => {
  let clock = 0;
  const fails = async (candidate: string[]) => {
    clock += 10_000; // each run of the real processes takes about 10 s
    return candidate.includes('op3') && candidate.includes('op36');
  };
  const result = await ddmin(ops, fails, { budgetMs: 75_000, now: () => clock });
  assert.equal(result.outOfBudget, true);
  assert.equal(result.tries, 8, 'runs started before the budget was spent, none after');
  assert.ok(result.items.length < ops.length, `shrunk to ${result.items.length}`);
  assert.ok(result.items.includes('op3') && result.items.includes('op36'), 'what is returned still fails');
});
