// A pause on the real clock that an abort cuts short (resolving, never rejecting); see
// scheduler/scheduler.ts's pause for the same on any scheduler.

import { realScheduler } from './scheduler/real-scheduler.js';
import { pause } from './scheduler/scheduler.js';

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return pause(realScheduler, ms, signal);
}
