// The Scheduler port on Node's own clock and timers: what the client runs.

import type { Scheduler, Timer, TimerOptions } from './scheduler.js';

function started(timer: NodeJS.Timeout, options?: TimerOptions): Timer {
  if (options?.background) timer.unref();
  return timer;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms, options) => started(setTimeout(fn, ms), options),
  setInterval: (fn, ms, options) => started(setInterval(fn, ms), options),
  // Node's clearTimeout clears intervals too.
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};
