// `hsync server --sqlite-driver wasm`: the SQLite driver a packaged desktop app's embedded
// server uses inside Electron (server/store/sqlite-driver.ts). A real server process on it
// syncs two devices; a native process is kept off its data while it runs; killed with -9,
// it starts again on the same data with every commit.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { makeClient, randomish, removeDirs, type TestClient } from '../../helpers/sync-client.js';

const WASM = ['--sqlite-driver', 'wasm'];
let dataDir: string;
let server: ServerProcess;
let token: string;
const clients: TestClient[] = [];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hsync-wasm-server-'));
  // One process at a time on the wasm driver: the user is made before the server starts.
  const added = await runHsync(['server', 'user', 'add', 'wendy', '--data', dataDir, ...WASM]);
  assert.equal(added.code, 0, added.stderr);
  token = added.stdout.trim();
  server = await startServerProcess({ dataDir, args: WASM });
});

after(async () => {
  for (const client of clients) await client.close();
  await removeDirs(...clients.flatMap((c) => [c.root, c.stateDir]));
  await server?.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

test('a server on the wasm SQLite driver syncs two devices, and keeps every commit across kill -9', async () => {
  const laptop = await makeClient(server.url, token, 'laptop');
  const desktop = await makeClient(server.url, token, 'desktop');
  clients.push(laptop, desktop);
  const big = randomish(9 * 1024 * 1024, 7);
  await laptop.write('notes/plan.txt', 'the plan');
  await laptop.write('photos/big.bin', big);
  await laptop.sync();
  await desktop.sync();
  assert.deepEqual(await desktop.tree(), await laptop.tree());
  await desktop.write('notes/plan.txt', 'the plan, edited on the desktop');
  await desktop.sync();
  await laptop.sync();
  assert.equal(await laptop.read('notes/plan.txt'), 'the plan, edited on the desktop');
  // A rollback journal, not WAL: the wasm VFS has no shared memory.
  assert.equal(existsSync(join(dataDir, 'server.db-wal')), false, 'no WAL file beside the database');

  await server.kill();
  await server.restart();
  const again = await makeClient(server.url, token, 'tablet');
  clients.push(again);
  await again.sync();
  assert.deepEqual(await again.tree(), await laptop.tree(), 'every commit is there after kill -9 and a restart');
});

test('while it runs, a process on either driver is refused its data with a clear error, and nothing changes', async () => {
  for (const driver of [[], WASM]) {
    const refused = await runHsync(['server', 'user', 'add', 'intruder', '--data', dataDir, ...driver]);
    assert.equal(refused.code, 1, `${driver.join(' ') || 'native'}: ${refused.stderr}`);
    assert.match(refused.stderr, new RegExp(`in use by process ${server.pid} \\(a server on the wasm SQLite driver`));
  }
  const probe = await makeClient(server.url, token, 'probe');
  clients.push(probe);
  await probe.sync();
  assert.deepEqual(await probe.files(), ['notes/plan.txt', 'photos/big.bin']);
});

test('--sqlite-driver takes native or wasm only', async () => {
  const bad = await runHsync(['server', '--data', dataDir, '--sqlite-driver', 'mysql']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--sqlite-driver must be native or wasm, got "mysql"/);
});
