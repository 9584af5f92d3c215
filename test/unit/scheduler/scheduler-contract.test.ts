// One contract for the Scheduler port (shared/node/scheduler/scheduler.ts), run against
// Node's timers and the simulated scheduler alike: what the engine relies on holds for
// both, so the simulation's timers behave as the client's do, only in simulated time.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { realScheduler } from '../../../shared/node/scheduler/real-scheduler.js';
import { pause, type Scheduler } from '../../../shared/node/scheduler/scheduler.js';
import { SimulatedScheduler } from '../../../shared/node/scheduler/simulated-scheduler.js';
import { Prng } from '../../../sim/prng.js';

interface Harness {
  scheduler: Scheduler;
  /** Awaits `work`, moving simulated time where there is any. */
  settle<T>(work: Promise<T>): Promise<T>;
}

const harnesses: Record<string, () => Harness> = {
  'Node timers': () => ({ scheduler: realScheduler, settle: (work) => work }),
  simulated: () => {
    const scheduler = new SimulatedScheduler(Date.UTC(2026, 0, 1));
    return { scheduler, settle: (work) => scheduler.drive(work) };
  },
};

for (const [name, make] of Object.entries(harnesses)) {
  describe(`Scheduler contract: ${name}`, () => {
    test('a timeout fires once, no sooner than asked, on the clock it reads', async () => {
      const { scheduler, settle } = make();
      const start = scheduler.now();
      const fired: number[] = [];
      scheduler.setTimeout(() => fired.push(scheduler.now()), 30);
      await settle(pause(scheduler, 80));
      assert.equal(fired.length, 1);
      // Node may round a timer's start down by a millisecond.
      assert.ok(fired[0] - start >= 29, `fired after ${fired[0] - start} ms`);
      assert.ok(scheduler.now() - start >= 79);
    });

    test('timeouts fire in the order they fall due, not the order they were set', async () => {
      const { scheduler, settle } = make();
      const order: string[] = [];
      scheduler.setTimeout(() => order.push('c'), 60);
      scheduler.setTimeout(() => order.push('a'), 20);
      scheduler.setTimeout(() => order.push('b'), 40);
      await settle(pause(scheduler, 90));
      assert.deepEqual(order, ['a', 'b', 'c']);
    });

    test('a cleared timeout never fires; clearing one that fired is harmless', async () => {
      const { scheduler, settle } = make();
      const fired: string[] = [];
      const cleared = scheduler.setTimeout(() => fired.push('cleared'), 20);
      const kept = scheduler.setTimeout(() => fired.push('kept'), 10);
      scheduler.clear(cleared);
      // A later timer firing means the cleared one's time has passed too.
      await settle(pause(scheduler, 50));
      scheduler.clear(kept);
      assert.deepEqual(fired, ['kept']);
    });

    test('an interval fires every period until cleared', async () => {
      const { scheduler, settle } = make();
      const times: number[] = [];
      await settle(
        new Promise<void>((resolve) => {
          const timer = scheduler.setInterval(() => {
            times.push(scheduler.now());
            if (times.length === 3) {
              scheduler.clear(timer);
              resolve();
            }
          }, 20);
        }),
      );
      await settle(pause(scheduler, 60));
      assert.equal(times.length, 3, 'no tick after clear');
      for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 15, `ticks ${times[i] - times[i - 1]} ms apart`);
    });

    test('a pause ends at its time, or at once when aborted', async () => {
      const { scheduler, settle } = make();
      const start = scheduler.now();
      const abort = new AbortController();
      scheduler.setTimeout(() => abort.abort(), 20);
      await settle(pause(scheduler, 60_000, abort.signal));
      assert.ok(scheduler.now() - start < 60_000, 'the abort cut the pause short');
      const aborted = new AbortController();
      aborted.abort();
      await settle(pause(scheduler, 60_000, aborted.signal));
      assert.ok(scheduler.now() - start < 60_000, 'an aborted signal does not wait at all');
    });
  });
}

describe('SimulatedScheduler', () => {
  test('an hour of timers passes in simulated time, without waiting on the wall clock', async () => {
    const scheduler = new SimulatedScheduler(0);
    const wall = performance.now();
    let ticks = 0;
    const timer = scheduler.setInterval(() => ticks++, 60_000);
    await scheduler.drive(pause(scheduler, 3_600_000));
    scheduler.clear(timer);
    assert.equal(scheduler.now(), 3_600_000);
    assert.equal(ticks, 60);
    assert.ok(performance.now() - wall < 1000);
  });

  test('advance fires what falls due by then, and nothing later', () => {
    const scheduler = new SimulatedScheduler(0);
    const fired: number[] = [];
    for (const ms of [500, 1500, 1000]) scheduler.setTimeout(() => fired.push(scheduler.now()), ms);
    scheduler.advance(1200);
    assert.deepEqual(fired, [500, 1000]);
    assert.equal(scheduler.now(), 1200);
    assert.equal(scheduler.pending, 1);
  });

  test('timers due together fire in the order the seed picks: the same for one seed, different across seeds', () => {
    const orderFor = (seed: number) => {
      const prng = new Prng(seed);
      const scheduler = new SimulatedScheduler(0, (n) => prng.int(n));
      const order: number[] = [];
      for (let i = 0; i < 5; i++) scheduler.setTimeout(() => order.push(i), 100);
      scheduler.advance(100);
      return order.join('');
    };
    assert.equal(orderFor(7), orderFor(7));
    const orders = new Set(Array.from({ length: 20 }, (_, seed) => orderFor(seed)));
    assert.ok(orders.size > 5, `only ${orders.size} orders over 20 seeds`);
  });

  test('a nested drive moves the clock; the outer one waits for it', async () => {
    const scheduler = new SimulatedScheduler(0);
    const outer = (async () => {
      await scheduler.drive(pause(scheduler, 1000));
      return scheduler.now();
    })();
    assert.equal(await scheduler.drive(outer), 1000);
  });
});
