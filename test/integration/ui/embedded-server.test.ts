// The packaged app's embedded server, as far as it runs without an Electron binary: the
// bundled `hsync` entry (.vite/build/hsync-server.cjs, built here), copied alone into a
// folder with no node_modules as a packaged app ships it, started by startEmbeddedServer the
// way server-launch.ts decides for a packaged app (its arguments in HSYNC_ARGS, the wasm
// SQLite driver). Here Node forks it where Electron's utilityProcess.fork would. It makes
// the user, serves a device, stops on close and starts again on the saved token.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'vite';
import { fromChildProcess, startEmbeddedServer, type HsyncRun } from '../../../electron/main/embedded-server.js';
import { bundledServerEnv, serverLaunch } from '../../../electron/main/server-launch.js';
import { makeClient, removeDirs } from '../../helpers/sync-client.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
let dir: string;
let run: HsyncRun;

before(async () => {
  await build({ configFile: join(ROOT, 'vite.main.config.ts'), logLevel: 'warn' });
  dir = await mkdtemp(join(tmpdir(), 'hsync-packaged-'));
  const bundleDir = join(dir, 'app', '.vite', 'build');
  await mkdir(bundleDir, { recursive: true });
  const built = join(ROOT, '.vite', 'build');
  for (const name of await readdir(built)) {
    if (name.endsWith('.cjs') || name.endsWith('.wasm')) await copyFile(join(built, name), join(bundleDir, name));
  }
  const launch = serverLaunch({ packaged: true, appPath: join(dir, 'app'), bundleDir, env: {} });
  assert.equal(launch.runner, 'utility-process');
  const env = { ...process.env };
  delete env.NODE_PATH;
  run = (args) =>
    fromChildProcess(spawn(process.execPath, [launch.entry], { cwd: dir, env: { ...env, ...bundledServerEnv(launch, args) }, stdio: ['ignore', 'pipe', 'pipe'] }));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the bundled server runs with nothing beside it, on the wasm driver, and keeps its user and files across a restart', async () => {
  const dataDir = join(dir, 'server');
  let saved = '';
  const first = await startEmbeddedServer({ run, dataDir, token: '', userName: 'me', saveToken: (token) => (saved = token) });
  assert.match(saved, /^hst_/);
  assert.equal(first.token, saved);
  const laptop = await makeClient(first.url, saved, 'laptop');
  try {
    await laptop.write('plan.txt', 'made on the embedded server');
    await laptop.sync();
  } finally {
    await laptop.close();
  }
  await first.close();
  assert.equal((await readdir(dataDir)).includes('server.db-wal'), false, 'a rollback journal: the wasm driver');

  const second = await startEmbeddedServer({ run, dataDir, token: saved, userName: 'me', saveToken: () => assert.fail('the saved token is used') });
  const desktop = await makeClient(second.url, saved, 'desktop');
  try {
    await desktop.sync();
    assert.equal(await desktop.read('plan.txt'), 'made on the embedded server');
  } finally {
    await desktop.close();
    await second.close();
    await removeDirs(laptop.root, laptop.stateDir, desktop.root, desktop.stateDir);
  }
});
