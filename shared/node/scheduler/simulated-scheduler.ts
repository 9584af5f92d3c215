// The Scheduler port in simulated time, for the simulation and tests (docs/testing.md
// "Simulation"). Nothing fires on its own: advance(ms) moves the clock and fires what falls
// due, and drive(work) runs a promise to its end, moving the clock to the next timer
// whenever nothing else can run. Timers fire in time order; timers due at the same instant
// fire in an order the `pick` function chooses (a seeded one in the simulation), so a run is
// a function of its seed and one seed can still try every order.

import type { Scheduler, Timer } from './scheduler.js';

/** Turns of the event loop a driven promise gets before the clock jumps to the next timer. */
const IDLE_TURNS = 4;

interface Entry {
  at: number;
  fn: () => void;
  /** The period of an interval, null for a timeout. */
  every: number | null;
}

export class SimulatedScheduler implements Scheduler {
  private clock: number;
  private readonly timers = new Set<Entry>();
  /** drive() calls under way, innermost last: only the innermost moves the clock. */
  private driving = 0;

  /** `pick(n)` chooses which of n timers due together fires first (an integer in [0, n)). */
  constructor(startMs: number, private readonly pick: (n: number) => number = () => 0) {
    this.clock = startMs;
  }

  now = (): number => this.clock;

  setTimeout(fn: () => void, ms: number): Timer {
    return this.add({ at: this.clock + Math.max(0, ms), fn, every: null });
  }

  setInterval(fn: () => void, ms: number): Timer {
    const every = Math.max(1, ms);
    return this.add({ at: this.clock + every, fn, every });
  }

  clear(timer: Timer): void {
    this.timers.delete(timer as Entry);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves the clock `ms` forward, firing every timer due by then in order. */
  advance(ms: number): void {
    const end = this.clock + ms;
    while (this.fireNext(end));
    this.clock = Math.max(this.clock, end);
  }

  /**
   * Runs `work` to its end: each time the work in flight can go no further, the clock jumps
   * to the next timer and fires it. For work that waits on nothing but this scheduler's
   * timers, promises and turns of the event loop (the simulation's in-memory disk and
   * server), never on real I/O or real time.
   */
  async drive<T>(work: Promise<T>): Promise<T> {
    const level = ++this.driving;
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    try {
      while (!settled) {
        // A setImmediate runs once every pending promise callback and nextTick has run; some
        // libraries take a turn of it themselves (fast-glob's walk starts on one), so the
        // clock moves only after IDLE_TURNS turns in a row left the work where it was.
        for (let turn = 0; turn < IDLE_TURNS && !settled; turn++) await new Promise((resolve) => setImmediate(resolve));
        if (!settled && this.driving === level) this.fireNext(Infinity);
      }
    } finally {
      this.driving--;
    }
    return work;
  }

  private add(entry: Entry): Timer {
    this.timers.add(entry);
    return entry;
  }

  /** Fires the earliest timer due by `limit`; false when there is none. */
  private fireNext(limit: number): boolean {
    let at = Infinity;
    for (const entry of this.timers) at = Math.min(at, entry.at);
    if (this.timers.size === 0 || at > limit) return false;
    const due = [...this.timers].filter((entry) => entry.at === at);
    const entry = due.length === 1 ? due[0] : due[this.pick(due.length)];
    this.clock = Math.max(this.clock, at);
    if (entry.every === null) this.timers.delete(entry);
    else entry.at += entry.every;
    entry.fn();
    return true;
  }
}
