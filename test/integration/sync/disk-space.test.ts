// EDGE 19: a download that would cross the free-space floor is not started: nothing appears
// in the folder (no empty placeholder that could later upload), the reason says "disk full",
// and the same client finishes by itself once there is room. Real free space (statfs) of the
// temp folder's disk; the floor is set relative to it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServerProcess } from '../../helpers/server-process.js';
import { smallDisk, unmount } from '../../helpers/small-disk.js';
import { listFiles, makeClient, randomish, removeDirs, syncFixture } from '../../helpers/sync-client.js';

const HSYNC = join(import.meta.dirname, '..', '..', '..', 'bin', 'hsync.js');
const fx = syncFixture();

async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
}

test('downloads stop short of the free-space floor, leave nothing behind, and resume when there is room', async () => {
  const token = await fx.newUser();
  const a = await fx.client(token, 'laptop');
  const payload = Buffer.alloc(3 * 1024 * 1024, 7);
  await a.write('big.bin', payload);
  await a.write('docs/note.txt', 'hello');
  await a.sync();

  // A floor 1 GB above what is free now: nothing may be downloaded.
  const b = await fx.client(token, 'desktop', { minFreeBytes: (await freeBytes(a.root)) + 1e9 });
  const outcome = await b.sync(true);
  assert.equal(outcome.agreed, false);
  assert.match(outcome.reason ?? '', /would leave less than .* free on the disk/);
  const problems = [...b.engine.getStatus().problems.values()];
  assert.ok(problems.some((p) => p.code === 'disk_full'), 'a disk-full problem is shown');
  assert.deepEqual(await listFiles(b.root), [], 'no file and no empty placeholder');
  assert.deepEqual(await listFiles(join(b.root, '.hsync', 'tmp')), [], 'no temp file either');

  // Room again (the floor lowered): the same client finishes without help.
  const again = await b.reopen({ minFreeBytes: 0 });
  await again.sync();
  assert.deepEqual(await again.tree(), await a.tree());
  assert.deepEqual([...again.engine.getStatus().problems.values()].filter((p) => p.code === 'disk_full'), []);
});

test('hsync sync refuses a --min-free-mb that is not a whole number of MB, with exit 2 and one line', async () => {
  const child = spawn(process.execPath, [HSYNC, 'sync', '--once', '--folder', '/tmp', '--server', 'http://127.0.0.1:1', '--token=t', '--min-free-mb=1.5'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  assert.equal(await new Promise<number | null>((resolve) => child.on('exit', resolve)), 2);
  assert.match(stderr, /--min-free-mb must be a whole number/);
});

test('hsync sync --once --min-free-mb exits 1 with the disk-space reason', async () => {
  const token = await fx.newUser();
  const a = await fx.client(token, 'laptop');
  await a.write('a.txt', 'content');
  await a.sync();
  const b = await fx.client(token, 'desktop');
  await b.close();
  const floorMb = Math.ceil((await freeBytes(b.root)) / 1e6) + 1000;
  const child = spawn(process.execPath, [HSYNC, 'sync', '--once', '--folder', b.root, '--state', b.stateDir, '--server', fx.server.url, `--token=${token}`, '--min-free-mb', String(floorMb)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  assert.match(stderr, /^hsync sync: 1 file could not sync, first: download "a.txt": .* free on the disk/m);
  assert.deepEqual(await listFiles(b.root), []);
});

test("a full server disk shows as 'server full', not offline, and the file stays on the device", async (t) => {
  const mount = await smallDisk(t);
  if (!mount) return;
  const server = await startServerProcess({ dataDir: mount });
  const token = await server.addUser('full');
  const a = await makeClient(server.url, token, 'laptop');
  try {
    const big = randomish(4 * 1024 * 1024, 19); // more than the server's 3 MiB disk holds
    await a.write('big.bin', big);
    const outcome = await a.sync(true);
    assert.equal(outcome.agreed, false);
    const status = a.engine.getStatus();
    assert.equal(status.state, 'error', `state ${status.state}: ${status.error?.message}`);
    assert.equal(status.error?.code, 'disk_full');
    assert.match(status.summary, /^Error: upload block [0-9a-f]{64}: server full \(/);
    assert.ok((await readFile(join(a.root, 'big.bin'))).equals(big), 'the local file is untouched');
    assert.deepEqual((await a.remote.list(0)).entries, [], 'nothing committed on the server');
    assert.equal((await a.remote.account()).serverId.length > 0, true, 'the server is still up');
  } finally {
    await a.close();
    await removeDirs(a.root, a.stateDir);
    await server.dispose();
    await unmount(mount);
  }
});
