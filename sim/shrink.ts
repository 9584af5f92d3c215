// Shrinks a failing step list. Removing steps is delta debugging, the same ddmin the fuzzer
// uses (test/helpers/ddmin.ts: one owner of the algorithm). What only the simulation has is
// the inside of a sync step: its fault (fail, crash, power cut) and the steps run in the
// middle of it. Those are simplified here, each change kept when the list still fails, and
// a sync's nested steps are shrunk with ddmin as well.

import { ddmin } from '../test/helpers/ddmin.js';
import type { Step, SyncStep } from './steps.js';

/** The parts of a sync step that can be dropped, the costliest to read first. */
const EXTRAS = ['during', 'fail', 'crash', 'powerCut'] as const;

export interface ShrinkOptions {
  /** Stop trying candidates after this many milliseconds (default 60 s; a run takes milliseconds). */
  budgetMs?: number;
}

export async function shrink(steps: Step[], fails: (steps: Step[]) => Promise<boolean>, options: ShrinkOptions = {}): Promise<Step[]> {
  const deadline = Date.now() + (options.budgetMs ?? 60_000);
  const budget = () => Math.max(0, deadline - Date.now());
  let current = (await ddmin(steps, fails, { budgetMs: budget() })).items;
  const attempt = async (at: number, simpler: SyncStep): Promise<void> => {
    if (budget() === 0) return;
    const candidate = current.with(at, simpler);
    if (await fails(candidate)) current = candidate;
  };
  for (let i = 0; i < current.length; i++) {
    for (const key of EXTRAS) {
      const step = current[i];
      if (step.op !== 'sync' || step[key] === undefined) continue;
      const simpler = { ...step };
      delete simpler[key];
      await attempt(i, simpler);
    }
    const step = current[i];
    if (step.op !== 'sync' || !step.during || budget() === 0) continue;
    const during = step.during;
    const nested = await ddmin(during.steps, (fewer) => fails(current.with(i, { ...step, during: { ...during, steps: fewer } })), { budgetMs: budget() });
    if (nested.items.length < during.steps.length) current = current.with(i, { ...step, during: { ...during, steps: nested.items } });
  }
  return current;
}
