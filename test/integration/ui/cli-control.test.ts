// `hsync status / pause / resume` as a user runs them: the real CLI process against a
// running control endpoint, and against none.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startControl, type ControlHandle } from '../../../shared/node/api-bridge/control-server.js';
import { createFakeSyncApi, type FakeSyncApi } from '../../helpers/fake-sync-api.js';

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
let api: FakeSyncApi;
let control: ControlHandle;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hsync-cli-control-'));
  api = createFakeSyncApi({ problems: [{ path: 'a:b.txt', code: 'invalid_path', message: 'name has ":" at 2', since: 0 }] });
  control = await startControl(api, { stateDir: join(dir, 'state') });
});

after(async () => {
  await control.close();
  await rm(dir, { recursive: true, force: true });
});

test('status, pause and resume drive the running client', async () => {
  const state = join(dir, 'state');
  const status = await hsync('status', '--state', state);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^Up to date\n/);
  assert.match(status.stdout, /problem {2}a:b\.txt: name has ":" at 2/);

  const paused = await hsync('pause', '--state', state);
  assert.equal(paused.code, 0, paused.stderr);
  assert.equal(paused.stdout, 'Paused\n');
  assert.equal(api.settings.paused, true);
  const json = await hsync('status', '--state', state, '--json');
  assert.equal(JSON.parse(json.stdout).state, 'paused');

  const resumed = await hsync('resume', '--state', state);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(api.settings.paused, false);
});

test('with no client running: a clear reason and exit 1; bad flags exit 2', async () => {
  const none = await hsync('status', '--state', join(dir, 'nobody'));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no client is running/);
  assert.match(none.stderr, /npm start/);

  // A control.json left behind by a client that died.
  const stale = join(dir, 'stale');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(stale);
  await writeFile(join(stale, 'control.json'), JSON.stringify({ url: 'http://127.0.0.1:9', token: 'x', pid: 1 }));
  const dead = await hsync('pause', '--state', stale);
  assert.equal(dead.code, 1);
  assert.match(dead.stderr, /no client answers/);

  const bad = await hsync('pause', '--stat', 'x');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option '--stat'/);
});
