// The long-running engine: watcher hints reach the server fast; when the watcher fails
// (inotify limit), a warning shows and periodic rescans keep the folder syncing.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { makeClient, removeDirs, type TestClient } from '../../helpers/sync-client.js';

let server: ServerProcess;
const clients: TestClient[] = [];
let user = 0;

before(async () => {
  server = await startServerProcess();
});
after(async () => {
  for (const c of clients) await c.close();
  await removeDirs(...clients.flatMap((c) => [c.root, c.stateDir]));
  await server?.dispose();
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a saved file starts uploading within a fraction of a second (watcher + 150 ms debounce)', async () => {
  const token = await server.addUser(`u${++user}`);
  const a = await makeClient(server.url, token, 'laptop', { watch: true, rescanIntervalMs: 600_000 });
  clients.push(a);
  await a.engine.start();
  await waitFor(() => a.engine.getStatus().lastSyncedAt !== null, 10_000);
  await new Promise((r) => setTimeout(r, 300)); // let the watcher settle
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
  const token = await server.addUser(`u${++user}`);
  const a = await makeClient(server.url, token, 'laptop', {
    watch: true,
    rescanIntervalMs: 300,
    watchFolder: (_root, options) => {
      setTimeout(() => options.onError('File watching hit the system limit (raise fs.inotify.max_user_watches); using periodic scans'), 10);
      return { close: async () => undefined };
    },
  });
  clients.push(a);
  await a.engine.start();
  await waitFor(() => a.engine.getStatus().warnings.length > 0, 5_000);
  assert.match(a.engine.getStatus().warnings[0], /max_user_watches/);
  await writeFile(join(a.root, 'unwatched.txt'), 'found by a rescan');
  await waitFor(async () => (await a.remote.list(0)).entries.some((e) => e.path === 'unwatched.txt'), 5_000);
});
