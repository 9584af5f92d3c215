// Bandwidth caps, as a user sets them: 8 MB under a 2 MB/s cap takes 4 s ± 15 % each way
// (real server, the client's production remote stack), and `hsync limits` changes the cap of
// a running `hsync sync` while a transfer waits on it, and the cap is kept for the next start.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BLOCK_SIZE } from '../../../shared/common/blocks.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import type { RemoteStore } from '../../../shared/node/remote/remote-store.js';
import { ThrottledRemote, transferLimits } from '../../../shared/node/remote/throttled-remote.js';
import { TieredRemote } from '../../../shared/node/remote/tiered-remote.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { makeClient, randomish, removeDirs, type TestClient } from '../../helpers/sync-client.js';

const HSYNC = join(import.meta.dirname, '..', '..', '..', 'bin', 'hsync.js');
let server: ServerProcess;
let token: string;
const dirs: string[] = [];
const clients: TestClient[] = [];
const children: ChildProcess[] = [];

before(async () => {
  server = await startServerProcess();
  token = await server.addUser('caps');
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const c of clients) await c.close();
  await removeDirs(...dirs, ...clients.flatMap((c) => [c.root, c.stateDir]));
  await server?.dispose();
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hsync-caps-${name}-`));
  dirs.push(dir);
  return dir;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const BLOCK_CALLS = new Set(['putBlock', 'putBlocks', 'getBlock', 'getBlocks']);

/** The production remote stack under caps; `window` gets the start of the first block call and the end of the last. */
async function cappedClient(device: string, caps: { upLimitKBps: number; downLimitKBps: number }, window: { first: number; last: number }): Promise<TestClient> {
  const capped: RemoteStore = new ThrottledRemote(new TieredRemote(new HttpRemote(server.url, token)), transferLimits(caps));
  const remote = new Proxy(capped, {
    get(target, name) {
      const value = Reflect.get(target, name, target) as unknown;
      if (typeof value !== 'function') return value;
      if (!BLOCK_CALLS.has(String(name))) return value.bind(target);
      return async (...args: unknown[]) => {
        window.first ||= performance.now();
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        window.last = performance.now();
        return out;
      };
    },
  });
  const client = await makeClient(server.url, token, device, { remote });
  clients.push(client);
  return client;
}

test('8 MB under a 2 MB/s cap takes 4 s ± 15 %, up and down', async () => {
  // Timed from the engine's first block call to the end of its last: the block transfers
  // under the cap, without the scan, hashing and commit around them.
  const bytes = randomish(8_000_000, 11);
  const upWindow = { first: 0, last: 0 };
  const a = await cappedClient('capped-a', { upLimitKBps: 2000, downLimitKBps: 0 }, upWindow);
  await writeFile(join(a.root, 'big.bin'), bytes);
  assert.equal((await a.engine.syncOnce()).agreed, true);
  const up = (upWindow.last - upWindow.first) / 1000;
  assert.ok(up > 3.4 && up < 4.6, `upload took ${up.toFixed(2)} s`);

  const downWindow = { first: 0, last: 0 };
  const b = await cappedClient('capped-b', { upLimitKBps: 0, downLimitKBps: 2000 }, downWindow);
  assert.equal((await b.engine.syncOnce()).agreed, true);
  const down = (downWindow.last - downWindow.first) / 1000;
  assert.ok(down > 3.4 && down < 4.6, `download took ${down.toFixed(2)} s`);
  assert.equal(sha(await readFile(join(b.root, 'big.bin'))), sha(bytes));
});

test('hsync limits changes a running client\'s cap mid-transfer, and the cap is kept', async () => {
  const folder = await tempDir('live');
  const state = await tempDir('live-state');
  const env = { HSYNC_TOKEN: token };
  const start = () => {
    const child = spawn(process.execPath, [HSYNC, 'sync', '--folder', folder, '--state', state, '--server', server.url, '--device', 'live'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    return { child, started: () => waitFor(() => /^syncing /m.test(out), 20_000, () => out) };
  };
  let client = start();
  await client.started();
  const set = await runHsync(['limits', '--state', state, '--up', '200'], env);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout.trim(), 'upload 200 KB/s, download no limit');

  // Two blocks, 5.2 MB, at 200 KB/s would take 26 s. The cap is lifted once the server lists
  // the upload as under way (the client's commit was answered "need blocks": its blocks now
  // wait on the cap), and the rest goes at once.
  const bytes = randomish(BLOCK_SIZE + 1_000_000, 12);
  const written = performance.now();
  await writeFile(join(folder, 'live.bin'), bytes);
  const watch = new HttpRemote(server.url, token);
  try {
    await waitFor(async () => (await watch.pending()).uploads.some((u) => u.path === 'live.bin'), 20_000, () => 'the upload never started');
  } finally {
    watch.close();
  }
  const lifted = await runHsync(['limits', '--state', state, '--up', '0'], env);
  assert.equal(lifted.stdout.trim(), 'upload no limit, download no limit');
  const peer = await makeClient(server.url, token, 'peer');
  clients.push(peer);
  await waitFor(async () => (await peer.engine.syncOnce(), (await readFile(join(peer.root, 'live.bin')).catch(() => null))?.length === bytes.length), 10_000, () => 'never arrived');
  const took = (performance.now() - written) / 1000;
  assert.ok(took < 12, `arrived after ${took.toFixed(2)} s, as if the cap were still on`);
  assert.equal(sha(await readFile(join(peer.root, 'live.bin'))), sha(bytes));

  // Kept for the next start.
  await runHsync(['limits', '--state', state, '--down', '300'], env);
  client.child.kill('SIGTERM');
  await new Promise((r) => client.child.once('exit', r));
  client = start();
  await client.started();
  const kept = await runHsync(['limits', '--state', state], env);
  assert.equal(kept.stdout.trim(), 'upload no limit, download 300 KB/s');
  const bad = await runHsync(['limits', '--state', state, '--up', 'fast'], env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--up must be a whole number/);
  client.child.kill('SIGTERM');
  await new Promise((r) => client.child.once('exit', r));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${why()}`);
    await sleep(50);
  }
}
