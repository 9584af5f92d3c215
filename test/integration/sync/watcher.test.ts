// The long-running engine: watcher hints reach the server fast; when the watcher fails
// (inotify limit), a warning shows and periodic rescans keep the folder syncing.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { watchFolder as realWatchFolder } from '../../../shared/node/engine/watcher.js';
import { inotifyWatches } from '../../helpers/inotify.js';
import { syncFixture } from '../../helpers/sync-client.js';

const fx = syncFixture();

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a saved file starts uploading within a fraction of a second (watcher + 150 ms debounce)', async () => {
  const token = await fx.newUser();
  // The real watcher, with its hints seen on the way to the engine.
  const hinted = new Set<string>();
  const watchFolder: typeof realWatchFolder = (root, options) =>
    realWatchFolder(root, { ...options, onHints: (paths) => (paths.forEach((p) => hinted.add(p)), options.onHints(paths)) });
  const a = await fx.client(token, 'laptop', { watch: true, rescanIntervalMs: 600_000, watchFolder });
  await a.engine.start();
  await waitFor(() => a.engine.getStatus().lastSyncedAt !== null, 10_000);
  // The watcher is live once it reported a change (its watches are set up asynchronously):
  // a probe file, written again until it is reported, then synced, so no cycle is running.
  for (let n = 0; !hinted.has('probe.txt'); n++) {
    assert.ok(n < 20, 'the watcher never reported the probe file');
    await writeFile(join(a.root, 'probe.txt'), `probe ${n}`);
    await waitFor(() => hinted.has('probe.txt'), 1000).catch(() => undefined);
  }
  await waitFor(() => a.engine.getStatus().recent.some((item) => item.path === 'probe.txt') && a.engine.getStatus().state === 'idle', 10_000);
  let started = 0;
  const commit = a.remote.commit;
  a.remote.commit = (device, changes) => {
    if (!started && changes.some((c) => c.path === 'saved.txt')) started = performance.now();
    return commit.call(a.remote, device, changes);
  };
  const written = performance.now();
  await writeFile(join(a.root, 'saved.txt'), 'saved');
  await waitFor(() => started > 0, 5_000);
  const latency = started - written;
  console.log(`change detected → upload started: ${latency.toFixed(0)} ms`);
  assert.ok(latency < 1500, `${latency} ms`);
});

test('a failing watcher (ENOSPC) shows a warning and periodic rescans keep syncing', async () => {
  const token = await fx.newUser();
  const a = await fx.client(token, 'laptop', {
    watch: true,
    rescanIntervalMs: 300,
    watchFolder: (_root, options) => {
      setTimeout(() => options.onError('File watching hit the system limit (raise fs.inotify.max_user_watches); using periodic scans'), 10);
      return { close: async () => undefined };
    },
  });
  await a.engine.start();
  await waitFor(() => a.engine.getStatus().warnings.length > 0, 5_000);
  assert.match(a.engine.getStatus().warnings[0], /max_user_watches/);
  await writeFile(join(a.root, 'unwatched.txt'), 'found by a rescan');
  await waitFor(async () => (await a.remote.list(0)).entries.some((e) => e.path === 'unwatched.txt'), 5_000);
});

test('switched to polling while running (Preferences), the client drops its inotify watches and still uploads a new file', { skip: inotifyWatches() === null ? 'counts inotify watches through /proc (Linux only)' : false }, async () => {
  const token = await fx.newUser();
  const a = await fx.client(token, 'laptop', { watch: true, rescanIntervalMs: 600_000 });
  await mkdir(join(a.root, 'a/b'), { recursive: true });
  const before = inotifyWatches()!;
  await a.engine.start();
  await waitFor(() => inotifyWatches() === before + 3, 5_000); // the root, a and a/b
  await a.engine.setPolling(true);
  assert.equal(inotifyWatches(), before, 'polling holds no inotify watch');
  // Written before the poller's first stat of it, the full scan at its readiness finds it; after, polling does.
  await writeFile(join(a.root, 'a/b/polled.txt'), 'found by polling');
  await waitFor(async () => (await a.remote.list(0)).entries.some((e) => e.path === 'a/b/polled.txt'), 10_000);
});
