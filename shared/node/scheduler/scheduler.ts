// The engine's one door to time (docs/engine.md "The scheduler port"): the clock and every
// timer it sets (periodic rescans, retries and backoff, offline and waiting delays, the
// status throttle, the watcher's debounce, the idle collection). The real one
// (real-scheduler.ts) is Node's timers; the simulated one (simulated-scheduler.ts) fires them
// in simulated time, so a simulation never waits on the wall clock.

/** A timer a scheduler set; only the scheduler that set it can clear it. */
export type Timer = object;

export interface TimerOptions {
  /**
   * The timer does not keep the process alive (Node's unref): for timers whose work can be
   * skipped when nothing else is left to do.
   */
  background?: boolean;
}

export interface Scheduler {
  /** Milliseconds since the epoch, on this scheduler's clock. */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): Timer;
  /** Calls `fn` every `ms` until cleared. */
  setInterval(fn: () => void, ms: number, options?: TimerOptions): Timer;
  /** Stops a timer (one that already fired, or was cleared, is fine). */
  clear(timer: Timer): void;
}

/**
 * Resolves after `ms` on `scheduler`'s clock, or as soon as `signal` aborts (never rejects).
 * The timer keeps the process alive: a shutdown waiting for the pause must not be cut short.
 */
export function pause(scheduler: Scheduler, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      scheduler.clear(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = scheduler.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
