// The engine as the desktop app and `npm start` run it: real server process, real folder.
// Status carries the storage tier from the remote; a paused start sends nothing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRealEngine } from '../../../shared/node/api-bridge/engine-runner.js';
import { folderStateDir } from '../../../shared/node/api-bridge/state-dir.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

let dir: string;
let server: ServerProcess;
let token: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hsync-runner-'));
  server = await startServerProcess();
  token = await server.addUser('runner');
});

after(async () => {
  await server.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function serverPaths(): Promise<string[]> {
  const remote = new HttpRemote(server.url, token);
  try {
    return (await remote.list(0, 1000)).entries.filter((e) => !e.deleted).map((e) => e.path);
  } finally {
    remote.close();
  }
}

test('a paused start sends nothing; resume syncs; status shows the storage tier', async () => {
  const folder = join(dir, 'Sync');
  await mkdir(folder);
  await writeFile(join(folder, 'a.txt'), 'a\n');
  const engine = await startRealEngine({ folder, serverUrl: server.url, token, deviceName: 'runner', paused: true, accountKey: `${server.url}\n${token}`, limits: { upLimitKBps: 0, downLimitKBps: 0 }, poll: false }, join(dir, 'state'));
  try {
    assert.equal((await engine.getStatus()).state, 'paused');
    // Sync now answers once the engine has run its cycle: a paused one runs none.
    await engine.syncNow();
    assert.deepEqual(await serverPaths(), [], 'nothing was sent while paused');
    await engine.resume();
    await until('a.txt on the server', async () => (await serverPaths()).includes('a.txt'));
    const status = await engine.getStatus();
    assert.equal(status.storage.mode, 'inhouse');
    assert.equal(status.folder, folder);
  } finally {
    await engine.stop();
  }
  const state = join(dir, 'state');
  assert.notEqual(folderStateDir(state, folder, 'a'), folderStateDir(state, join(dir, 'Other'), 'a'), 'one index per folder');
  assert.notEqual(folderStateDir(state, folder, 'a'), folderStateDir(state, folder, 'b'), 'and per account');
});

test('the desktop engine keeps the excluded folders across a restart: the folder leaves this disk and stays away', async () => {
  const folder = join(dir, 'Desk');
  await mkdir(join(folder, 'big'), { recursive: true });
  await writeFile(join(folder, 'big', 'b.txt'), 'big\n');
  await writeFile(join(folder, 'top.txt'), 'top\n');
  const config = { folder, serverUrl: server.url, token, deviceName: 'desk', paused: false, accountKey: `${server.url}\n${token}\ndesk`, limits: { upLimitKBps: 0, downLimitKBps: 0 }, poll: false };
  const first = await startRealEngine(config, join(dir, 'desk-state'));
  try {
    await until('big/b.txt on the server', async () => (await serverPaths()).includes('big/b.txt'));
    assert.deepEqual(await first.setExcludedFolders(['big']), ['big']);
    await until('big/ off this disk', async () => !existsSync(join(folder, 'big')));
    assert.deepEqual((await first.listServerFolders('')).map((f) => `${f.path} ${f.excluded}`), ['big true']);
  } finally {
    await first.stop();
  }
  const again = await startRealEngine(config, join(dir, 'desk-state'));
  try {
    assert.deepEqual(await again.getExcludedFolders(), ['big']);
    assert.deepEqual((await again.getStatus()).excludedFolders, ['big']);
    await again.syncNow();
    assert.equal(existsSync(join(folder, 'big')), false, 'not downloaded again after the restart');
    assert.ok((await serverPaths()).includes('big/b.txt'), 'the server keeps it');
  } finally {
    await again.stop();
  }
});
