// The simulation's shrinker (sim/shrink.ts): ddmin drops steps, then each sync loses the
// fault and nested steps the failure does not need. A failure planted in a long list shrinks
// to exactly the steps that cause it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shrink } from '../../../sim/shrink.js';
import { generateSteps, type Step } from '../../../sim/steps.js';

const write: Step = { op: 'write', dev: 0, path: 'a/x.txt', size: 10, fill: 7, atomic: false };
const remove: Step = { op: 'delete', dev: 2, path: 'a/x.txt' };

/** Fails when dev0 writes a/x.txt and, later, dev2 deletes it in the middle of a sync of dev1. */
function planted(steps: Step[]): boolean {
  const wrote = steps.findIndex((s) => JSON.stringify(s) === JSON.stringify(write));
  if (wrote < 0) return false;
  return steps.slice(wrote + 1).some((s) => s.op === 'sync' && s.dev === 1 && s.during?.steps.some((n) => JSON.stringify(n) === JSON.stringify(remove)));
}

test('a planted failure in 60 random steps shrinks to its two steps, the sync without its fault or other nested steps', async () => {
  const noise = generateSteps(3, 3, 60);
  const culprit: Step = {
    op: 'sync',
    dev: 1,
    fail: { call: 'commit', nth: 1 },
    during: { call: 'list', nth: 1, steps: [{ op: 'append', dev: 1, path: 'b/n', size: 3, fill: 1 }, remove, { op: 'sync', dev: 0 }] },
  };
  const steps = [...noise.slice(0, 20), write, ...noise.slice(20, 45), culprit, ...noise.slice(45)];
  assert.ok(planted(steps));
  let runs = 0;
  const small = await shrink(steps, async (candidate) => {
    runs++;
    return planted(candidate);
  });
  assert.deepEqual(small, [write, { op: 'sync', dev: 1, during: { call: 'list', nth: 1, steps: [remove] } }]);
  assert.ok(runs < 200, `${runs} runs`);
});

test('a list that fails only whole is returned whole', async () => {
  const steps = generateSteps(5, 3, 6).map((s) => (s.op === 'sync' ? { op: 'sync' as const, dev: s.dev } : s));
  const key = JSON.stringify(steps);
  assert.deepEqual(await shrink(steps, async (candidate) => JSON.stringify(candidate) === key), steps);
});
