// One simulated run: build a world, play the steps, settle, check the invariants.

import { checkInvariants } from './invariants.js';
import type { Step } from './steps.js';
import { World } from './world.js';

export const DEVICES = 3;
const SETTLE_ROUNDS = 4;

export interface RunResult {
  problems: string[];
  log: string[];
}

export async function runSteps(steps: readonly Step[], devices = DEVICES): Promise<RunResult> {
  const world = new World(devices);
  try {
    await world.run(steps);
    const unsettled = await world.settle(SETTLE_ROUNDS);
    const problems = unsettled ? [unsettled] : checkInvariants(world);
    return { problems, log: world.log };
  } catch (error) {
    return { problems: [`threw: ${(error as Error).stack ?? String(error)}`], log: world.log };
  } finally {
    await world.close();
  }
}
