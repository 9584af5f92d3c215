// `hsync sync` and the desktop app keep a folder's state in one place (state-dir.ts), and an
// upgrade moves the state `hsync sync` kept in its old place there, merge base included.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { accountKey, defaultStateDir, folderStateDir, legacyCliFolderState } from '../../../shared/node/api-bridge/state-dir.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { listFiles, removeDirs } from '../../helpers/sync-client.js';

let server: ServerProcess;
let token: string;
const dirs: string[] = [];

before(async () => {
  server = await startServerProcess();
  token = await server.addUser('state');
});
after(async () => {
  await removeDirs(...dirs);
  await server?.dispose();
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hsync-state-${name}-`));
  dirs.push(dir);
  return dir;
}

test('hsync sync keeps its index where the desktop app looks for it, and moves the old one there', async () => {
  const home = await tempDir('home');
  const env = { XDG_STATE_HOME: join(home, 'state'), XDG_DATA_HOME: join(home, 'data'), HSYNC_TOKEN: token };
  const folder = join(home, 'Sync');
  await mkdir(folder);
  await writeFile(join(folder, 'kept.txt'), 'synced before the upgrade');
  await writeFile(join(folder, 'gone.txt'), 'deleted after the upgrade');

  // An older hsync sync kept the state under the data dir, per root only.
  const legacy = legacyCliFolderState(folder, env);
  const old = await runHsync(['sync', '--once', '--folder', folder, '--server', server.url, '--state', legacy], env);
  assert.equal(old.code, 0, old.stderr);

  // The desktop app's place for this folder and account.
  const shared = folderStateDir(defaultStateDir(env), folder, accountKey(server.url, token));
  await rm(join(folder, 'gone.txt'));
  const upgraded = await runHsync(['sync', '--once', '--folder', folder, '--server', server.url], env);
  assert.equal(upgraded.code, 0, upgraded.stderr);
  assert.match(upgraded.stderr, new RegExp(`moved this folder's state from ${legacy} to ${shared}`));
  assert.ok(existsSync(shared) && !existsSync(legacy), 'the state moved');

  // The merge base came along: the local deletion is a deletion, not a missing file to fetch again.
  assert.deepEqual(await listFiles(folder), ['kept.txt']);
  const other = await tempDir('other');
  const fresh = await runHsync(['sync', '--once', '--folder', other, '--server', server.url, '--state', await tempDir('other-state')], env);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.deepEqual(await listFiles(other), ['kept.txt'], 'the server has the deletion');

  // A later run uses the shared place without moving anything.
  const again = await runHsync(['sync', '--once', '--folder', folder, '--server', server.url], env);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /moved/);
});
