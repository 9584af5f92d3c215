// Retention (docs/hybrid-storage.md "Retention"): a real server whose sweep clock is moved a
// month ahead drops the revisions older than 30 days that are not a file's newest, and frees
// the blocks only they used, from the disk (loose files and packs); blocks a live file uses,
// also another user's identical block, stay, and every file still downloads byte-exact.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BLOCK_SIZE } from '../../../shared/common/blocks.js';
import { blockHashOf } from '../../../shared/node/blocks/content-hash.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { randomish, removeDirs } from '../../helpers/sync-client.js';
import { waitFor } from '../../helpers/wait-for.js';

const MONTH_AND_A_DAY_MS = 31 * 24 * 3600_000;
const dirs: string[] = [];
const servers: ServerProcess[] = [];
after(async () => {
  for (const s of servers) await s.dispose();
  await removeDirs(...dirs);
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hsync-retention-${name}-`));
  dirs.push(dir);
  return dir;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function sync(server: ServerProcess, token: string, folder: string, device: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  const r = await runHsync(['sync', '--once', '--folder', folder, '--state', `${folder}-state`, '--server', server.url, '--device', device], { HSYNC_TOKEN: token });
  assert.equal(r.code, 0, r.stderr);
}

async function history(server: ServerProcess, token: string, folder: string, path: string): Promise<{ rev: number; size: number; deleted: boolean }[]> {
  const r = await runHsync(['history', path, '--folder', folder, '--server', server.url, '--json'], { HSYNC_TOKEN: token });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { revisions: { rev: number; size: number; deleted: boolean }[] }).revisions;
}

const loose = (data: string, hash: string) => existsSync(join(data, 'blocks', hash.slice(0, 2), hash));
const packs = async (data: string) => new Set(await readdir(join(data, 'blocks', 'packs')));

test('after the retention, old revisions and the blocks only they used are gone; live and shared blocks stay and download byte-exact', async () => {
  const data = await tempDir('data');
  const home = await tempDir('home');
  let server = await startServerProcess({ dataDir: data });
  servers.push(server);
  const [alice, bob] = [await server.addUser('alice'), await server.addUser('bob')];
  const laptop = join(home, 'laptop');
  const bobs = join(home, 'bob');
  await mkdir(laptop);
  await mkdir(bobs);

  // report.bin: two full blocks; v2 changes the first only, so the second is shared.
  const unique = randomish(BLOCK_SIZE, 1);
  const shared = randomish(BLOCK_SIZE, 2);
  const changed = randomish(BLOCK_SIZE, 3);
  // photo.bin v1 is a block bob stores too, in a live file of his own.
  const bobsToo = randomish(BLOCK_SIZE, 4);
  await writeFile(join(laptop, 'report.bin'), Buffer.concat([unique, shared]));
  await writeFile(join(laptop, 'photo.bin'), bobsToo);
  await writeFile(join(laptop, 'small.txt'), 'the old small file\n');
  await writeFile(join(laptop, 'gone.txt'), 'deleted later\n');
  await sync(server, alice, laptop, 'laptop');
  const packsOfV1 = await packs(data);
  await writeFile(join(bobs, 'same.bin'), bobsToo);
  await sync(server, bob, bobs, 'bob');

  await writeFile(join(laptop, 'report.bin'), Buffer.concat([changed, shared]));
  await writeFile(join(laptop, 'photo.bin'), randomish(BLOCK_SIZE / 2, 5));
  await writeFile(join(laptop, 'small.txt'), 'the new small file\n');
  await rm(join(laptop, 'gone.txt'));
  await sync(server, alice, laptop, 'laptop');
  const packsOfV2 = await packs(data);
  const before = await history(server, alice, laptop, 'report.bin');
  assert.equal(before.length, 2);
  for (const block of [unique, shared, changed, bobsToo]) assert.ok(loose(data, blockHashOf(block)), 'the big blocks are loose files');

  // A month and a day later, by the sweep's clock: the default retention of 30 days has passed.
  await server.stop();
  server = await startServerProcess({ dataDir: data, env: { HSYNC_TEST_CLOCK_OFFSET_MS: String(MONTH_AND_A_DAY_MS) } });
  servers.push(server);
  await waitFor(() => /retention: \d+ revisions/.test(server.stderr()), () => `a retention pass: ${server.stderr()}`);
  assert.match(server.stderr(), /retention: 4 revisions older than 30 days dropped; 3 blocks/);

  // hsync history lists only the current versions (and the deletion of gone.txt).
  assert.deepEqual((await history(server, alice, laptop, 'report.bin')).map((r) => r.size), [2 * BLOCK_SIZE]);
  assert.deepEqual((await history(server, alice, laptop, 'small.txt')).map((r) => r.size), [19]);
  assert.deepEqual((await history(server, alice, laptop, 'gone.txt')).map((r) => r.deleted), [true]);
  const restore = await runHsync(['restore', 'report.bin', '--folder', laptop, '--server', server.url, '--rev', String(before[1].rev)], { HSYNC_TOKEN: alice });
  assert.equal(restore.code, 3, 'the dropped revision cannot be restored');

  // Blocks only the dropped revisions used are gone from the disk; the rest stay.
  assert.ok(!loose(data, blockHashOf(unique)), 'the block only report.bin v1 used is freed');
  assert.ok(loose(data, blockHashOf(shared)), 'the block v1 shares with the live v2 stays');
  assert.ok(loose(data, blockHashOf(changed)));
  assert.ok(loose(data, blockHashOf(bobsToo)), 'bob\'s live file still uses the block of alice\'s old photo.bin');
  assert.deepEqual(await packs(data), new Set([...packsOfV2].filter((p) => !packsOfV1.has(p))), 'packs of the old small files are deleted, the new ones stay');

  // Fresh devices get every live file byte-exact.
  const desk = join(home, 'desk');
  await sync(server, alice, desk, 'desk');
  assert.equal(sha256(await readFile(join(desk, 'report.bin'))), sha256(Buffer.concat([changed, shared])));
  assert.equal(sha256(await readFile(join(desk, 'photo.bin'))), sha256(randomish(BLOCK_SIZE / 2, 5)));
  assert.equal(await readFile(join(desk, 'small.txt'), 'utf8'), 'the new small file\n');
  assert.ok(!existsSync(join(desk, 'gone.txt')));
  const bobsDesk = join(home, 'bob-desk');
  await sync(server, bob, bobsDesk, 'bob-desk');
  assert.equal(sha256(await readFile(join(bobsDesk, 'same.bin'))), sha256(bobsToo));
});
