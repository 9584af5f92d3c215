// Shrinks a failing step list (delta debugging): drop chunks, then single steps, then the
// faults and nested steps inside syncs, keeping every change that still fails.

import type { Step } from './steps.js';

export async function shrink(steps: Step[], fails: (steps: Step[]) => Promise<boolean>, budget = 300): Promise<Step[]> {
  let current = steps;
  let tries = 0;
  const attempt = async (candidate: Step[]) => {
    if (tries++ >= budget) return false;
    if (!(await fails(candidate))) return false;
    current = candidate;
    return true;
  };
  for (let chunk = Math.max(1, Math.floor(current.length / 2)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let i = 0; i < current.length; ) {
      if (!(await attempt([...current.slice(0, i), ...current.slice(i + chunk)]))) i += chunk;
    }
  }
  for (let i = 0; i < current.length; i++) {
    const step = current[i];
    if (step.op !== 'sync') continue;
    for (const key of ['during', 'fail', 'crash'] as const) {
      const s = current[i];
      if (s.op !== 'sync' || !s[key]) continue;
      const simpler = { ...s };
      delete simpler[key];
      await attempt([...current.slice(0, i), simpler, ...current.slice(i + 1)]);
    }
    const s = current[i];
    if (s.op === 'sync' && s.during) {
      const nested = s.during.steps;
      for (let j = nested.length - 1; j >= 0; j--) {
        const fewer = { ...s, during: { ...s.during, steps: nested.filter((_, k) => k !== j) } };
        await attempt([...current.slice(0, i), fewer, ...current.slice(i + 1)]);
      }
    }
  }
  return current;
}
