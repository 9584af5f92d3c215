// `hsync status / pause / resume` as a user runs them: the real CLI against a real running
// `hsync sync` client and a real `hsync server`, and against no client at all.

import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { JournalEntry } from '../../../shared/common/protocol.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { waitFor } from '../../helpers/wait-for.js';

const exec = promisify(execFile);

async function hsync(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/hsync.js', ...argv]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let server: ServerProcess;
let token: string;
let client: ChildProcess | null = null;
let clientOutput = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hsync-cli-control-'));
  server = await startServerProcess();
  token = await server.addUser('controlled');
});

after(async () => {
  if (client && client.exitCode === null) {
    const exited = new Promise((resolve) => client!.once('exit', resolve));
    client.kill('SIGTERM');
    await exited;
  }
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** The live paths on the server. */
async function serverPaths(): Promise<string[]> {
  const res = await fetch(`${server.url}/v1/list?cursor=0&limit=10000`, { headers: { authorization: `Bearer ${token}` } });
  const latest = new Map<string, JournalEntry>();
  for (const e of ((await res.json()) as { entries: JournalEntry[] }).entries) latest.set(e.path, e);
  return [...latest.values()].filter((e) => !e.deleted).map((e) => e.path).sort();
}

test('status, pause and resume drive a running hsync sync: a file written while paused reaches the server only after resume', async () => {
  const state = join(dir, 'state');
  const folder = join(dir, 'folder');
  await mkdir(folder);
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  await writeFile(join(folder, 'a:b.txt'), 'a name Windows refuses');
  client = spawn(process.execPath, ['bin/hsync.js', 'sync', '--folder', folder, '--server', server.url, '--token-file', tokenFile, '--state', state, '--device', 'desk'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  client.stdout!.on('data', (d: Buffer) => (clientOutput += d));
  client.stderr!.on('data', (d: Buffer) => (clientOutput += d));

  // Running and idle: the status says so and names the file it skips.
  await waitFor(async () => /^Up to date\n/.test((await hsync('status', '--state', state)).stdout), () => `the client to be up to date; its output: ${clientOutput}`);
  const status = await hsync('status', '--state', state);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /problem {2}a:b\.txt: skip "a:b\.txt"/);

  // A file written while it runs reaches the server: how long that takes is the yardstick below.
  const started = Date.now();
  await writeFile(join(folder, 'before.txt'), 'written while running');
  await waitFor(async () => (await serverPaths()).includes('before.txt'), 'before.txt on the server');
  const syncMs = Date.now() - started;

  const paused = await hsync('pause', '--state', state);
  assert.equal(paused.code, 0, paused.stderr);
  assert.equal(paused.stdout, 'Paused\n');
  assert.equal(JSON.parse((await hsync('status', '--state', state, '--json')).stdout).state, 'paused');

  await writeFile(join(folder, 'while-paused.txt'), 'written while paused');
  // A paused client does nothing, so there is no event to wait for: give it well over the
  // time the running client took to upload a file, then check the server does not have it.
  await new Promise((resolve) => setTimeout(resolve, Math.max(1000, 3 * syncMs)));
  assert.deepEqual(await serverPaths(), ['before.txt'], 'nothing went up while paused');
  assert.equal(JSON.parse((await hsync('status', '--state', state, '--json')).stdout).state, 'paused');

  const resumed = await hsync('resume', '--state', state);
  assert.equal(resumed.code, 0, resumed.stderr);
  await waitFor(async () => (await serverPaths()).includes('while-paused.txt'), 'while-paused.txt on the server after resume');
  assert.notEqual(JSON.parse((await hsync('status', '--state', state, '--json')).stdout).state, 'paused');
});

test('with no client running: a clear reason and exit 1; bad flags exit 2', async () => {
  const none = await hsync('status', '--state', join(dir, 'nobody'));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no client is running/);
  assert.match(none.stderr, /npm start/);

  // A control.json left behind by a client that died.
  const stale = join(dir, 'stale');
  await mkdir(stale);
  await writeFile(join(stale, 'control.json'), JSON.stringify({ url: 'http://127.0.0.1:9', token: 'x', pid: 1 }));
  const dead = await hsync('pause', '--state', stale);
  assert.equal(dead.code, 1);
  assert.match(dead.stderr, /no client answers/);

  const bad = await hsync('pause', '--stat', 'x');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--stat'/);
});
