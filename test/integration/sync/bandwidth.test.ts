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
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
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

async function cappedClient(device: string, caps: { upLimitKBps: number; downLimitKBps: number }): Promise<TestClient> {
  const remote = new ThrottledRemote(new TieredRemote(new HttpRemote(server.url, token)), transferLimits(caps));
  const client = await makeClient(server.url, token, device, { remote });
  clients.push(client);
  return client;
}

test('8 MB under a 2 MB/s cap takes 4 s ± 15 %, up and down', async () => {
  const bytes = randomish(8_000_000, 11);
  const a = await cappedClient('capped-a', { upLimitKBps: 2000, downLimitKBps: 0 });
  await writeFile(join(a.root, 'big.bin'), bytes);
  let start = performance.now();
  assert.equal((await a.engine.syncOnce()).agreed, true);
  const up = (performance.now() - start) / 1000;
  assert.ok(up > 3.4 && up < 4.6, `upload took ${up.toFixed(2)} s`);

  const b = await cappedClient('capped-b', { upLimitKBps: 0, downLimitKBps: 2000 });
  start = performance.now();
  assert.equal((await b.engine.syncOnce()).agreed, true);
  const down = (performance.now() - start) / 1000;
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
  const set = await runHsync(['limits', '--state', state, '--up', '1000'], env);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout.trim(), 'upload 1000 KB/s, download no limit');

  // 4 MB at 1 MB/s would take 4 s; the cap is lifted after 1 s and the rest goes at once.
  const bytes = randomish(4_000_000, 12);
  const written = performance.now();
  await writeFile(join(folder, 'live.bin'), bytes);
  await sleep(1000);
  const lifted = await runHsync(['limits', '--state', state, '--up', '0'], env);
  assert.equal(lifted.stdout.trim(), 'upload no limit, download no limit');
  const peer = await makeClient(server.url, token, 'peer');
  clients.push(peer);
  await waitFor(async () => (await peer.engine.syncOnce(), (await readFile(join(peer.root, 'live.bin')).catch(() => null))?.length === bytes.length), 10_000, () => 'never arrived');
  const took = (performance.now() - written) / 1000;
  assert.ok(took < 3.5, `arrived after ${took.toFixed(2)} s, as if the cap were still on`);
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
