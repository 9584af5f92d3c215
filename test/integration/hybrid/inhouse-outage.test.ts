// An outage of the in-house tier seen from the clients, with real processes: a split server
// (metadata service, block service, s3rver as the S3 tier) whose block service is killed
// after some files were stored in-house and others fell back to S3. A client downloads
// every file S3 holds, says what waits and why ("waiting for in-house storage: N files" in
// `hsync sync --once`, `hsync status` and the status's problems), writes nothing of the
// waiting files into the folder, and has every file once the block service is back.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { device, syncCli as syncCliOf, tree, writeFiles, type Device } from '../../helpers/hybrid-devices.js';
import { runHsync } from '../../helpers/server-process.js';
import { startSyncProcess, syncFolders, type SyncProcess } from '../../helpers/sync-process.js';
import { waitFor } from '../../helpers/wait-for.js';

const MiB = 1024 * 1024;
let cluster: HybridCluster;
const folders: string[] = [];

before(async () => {
  cluster = await startHybridCluster();
});
after(async () => {
  await cluster?.dispose();
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function newDevice(name: string, token: string): Promise<Device> {
  const d = await device(name, token);
  folders.push(d.root, d.state);
  return d;
}

/** `hsync sync --once` against this cluster. */
const syncCli = (d: Device) => syncCliOf(cluster.meta.url, d);
const status = async (state: string) => (await runHsync(['status', '--state', state])).stdout;

test('block service down: S3-held files download, the rest wait for in-house storage (reported, nothing partial) and arrive once it is back', async () => {
  const token = await cluster.meta.addUser('erin');
  const a = await newDevice('a', token);
  await writeFiles(a.root, 'home', [2 * MiB, MiB + 5, 300_000]);
  const first = await syncCli(a);
  assert.equal(first.code, 0, first.stderr);
  await cluster.blocks.kill();
  await writeFiles(a.root, 'cloud', [2 * MiB + 1, 200_000]);
  const fallback = await syncCli(a);
  assert.equal(fallback.code, 0, `the new files go to S3; ${fallback.stderr}`);
  const everything = await tree(a.root);
  const inS3 = Object.fromEntries(Object.entries(everything).filter(([path]) => path.startsWith('cloud/')));
  assert.equal(Object.keys(inS3).length, 2);

  // A one-shot client: every S3-held file, byte-exact; the in-house ones named as waiting.
  const b = await newDevice('b', token);
  const partial = await syncCli(b);
  assert.equal(partial.code, 1, 'not in agreement with the server yet');
  assert.match(partial.stderr, /waiting for in-house storage: 3 files/);
  assert.deepEqual(await tree(b.root), inS3, 'the S3-held files, and nothing of the waiting ones');

  // A running client says the same in `hsync status`.
  const dirs = await syncFolders('erin-c');
  folders.push(dirs.folder, dirs.state);
  const c: SyncProcess = startSyncProcess(cluster.meta.url, token, 'c', dirs);
  try {
    let seen = '';
    const says = (pattern: RegExp) => async () => pattern.test((seen = await status(dirs.state)));
    await waitFor(says(/Waiting for in-house storage: 3 files/), () => `hsync status: ${seen} ${c.stderr()}`, 60_000, 250);
    const text = await status(dirs.state);
    for (const name of ['file-0', 'file-1', 'file-2']) assert.match(text, new RegExp(`problem  home/${name}\\.bin: .*waiting for in-house storage`));
    assert.deepEqual(await tree(dirs.folder), inS3);

    await cluster.blocks.restart();
    const whole = await syncCli(b);
    assert.equal(whole.code, 0, whole.stderr);
    assert.deepEqual(await tree(b.root), everything, 'every file once the block service is back');
    // The running client tries the waiting files again by itself.
    await waitFor(async () => isDeepStrictEqual(await tree(dirs.folder), everything), () => `running client: ${c.stderr()}`, 60_000, 250);
    await waitFor(says(/Up to date/), () => `hsync status: ${seen}`, 20_000, 250);
  } finally {
    await c.stop();
  }
});
