// A running engine sets every timer on the scheduler it is given (docs/engine.md "The
// scheduler port"): on a simulated one, its periodic rescan and its offline backoff happen
// at exact simulated times, and no test waits on the wall clock for them.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SyncError } from '../../../shared/common/errors.js';
import { SyncEngine } from '../../../shared/node/engine/engine.js';
import { MemoryFileSystem } from '../../../shared/node/fs/memory-file-system.js';
import type { RemoteStore } from '../../../shared/node/remote/remote-store.js';
import { pause } from '../../../shared/node/scheduler/scheduler.js';
import { SimulatedScheduler } from '../../../shared/node/scheduler/simulated-scheduler.js';
import { ServerModel } from '../../../sim/server-model.js';

/** Resolves once `check` holds, looking after each turn of the event loop. */
function until(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const look = () => (check() ? resolve() : setImmediate(look));
    look();
  });
}

async function withEngine(remoteOf: (inner: RemoteStore, scheduler: SimulatedScheduler) => RemoteStore, body: (ctx: { engine: SyncEngine; fs: MemoryFileSystem; scheduler: SimulatedScheduler; server: ServerModel; namespaceId: number }) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hsync-engine-scheduler-'));
  const server = new ServerModel(join(dir, 'server'));
  const scheduler = new SimulatedScheduler(Date.UTC(2026, 0, 1));
  const fs = new MemoryFileSystem({ now: scheduler.now });
  fs.mkdirSync('/data');
  const user = server.addUser('ann');
  const inner = user.remote();
  // The model answers a long-poll at once; this server has nothing new for an hour, so
  // only the engine's own timers start its cycles.
  const held: RemoteStore = { ...inner, longpoll: async (cursor, timeoutSec, signal, seen) => {
    await pause(scheduler, 3_600_000, signal);
    return inner.longpoll(cursor, timeoutSec, signal, seen);
  } };
  const engine = new SyncEngine({ root: '/data', stateDir: join(dir, 'state'), fs, remote: remoteOf(held, scheduler), device: 'laptop', scheduler, watch: false, rescanIntervalMs: 60_000, platform: 'linux', caseInsensitive: false, minFreeBytes: 0 });
  try {
    await body({ engine, fs, scheduler, server, namespaceId: user.namespaceId });
  } finally {
    await scheduler.drive(engine.stop());
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('the periodic rescan runs on the injected scheduler: a file written while idle goes up when the interval passes', async () => {
  await withEngine((remote) => remote, async ({ engine, fs, scheduler, server, namespaceId }) => {
    const started = scheduler.now();
    await engine.start();
    await scheduler.drive(engine.syncNow());
    fs.writeFileSync('/data/note.txt', 'written while nothing watches');
    const wall = performance.now();
    await scheduler.drive(until(() => server.live(namespaceId).has('note.txt')));
    assert.equal(scheduler.now() - started, 60_000, 'uploaded by the rescan 60 s after the start');
    assert.ok(performance.now() - wall < 5000, 'no wall-clock wait');
  });
});

test('offline retries back off on the injected scheduler: 1 s, 2 s, 4 s', async () => {
  const calls: number[] = [];
  await withEngine(
    (remote, scheduler) => ({
      ...remote,
      account: async () => {
        calls.push(scheduler.now());
        if (calls.length <= 3) throw new SyncError('unavailable', 'connection refused (test)');
        return remote.account();
      },
    }),
    async ({ engine, scheduler }) => {
      await engine.start();
      await scheduler.drive(until(() => calls.length === 4 && engine.status.state === 'idle'));
      assert.deepEqual(calls.map((at) => at - calls[0]), [0, 1000, 3000, 7000]);
    },
  );
});
