// Retention with the S3 tier (docs/hybrid-storage.md "Retention"): a split server and s3rver,
// a namespace whose data lives in S3. Once the sweep's clock is a month ahead, the blocks only
// old revisions used are deleted from s3rver (whole objects, and packs once no block in them
// is left); the blocks live files use stay, and a new device downloads every file byte-exact.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BLOCK_SIZE } from '../../../shared/common/blocks.js';
import { blockHashOf } from '../../../shared/node/blocks/content-hash.js';
import { runHsync, type ServerProcess } from '../../helpers/server-process.js';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { device, syncCli } from '../../helpers/hybrid-devices.js';
import { randomish, removeDirs } from '../../helpers/sync-client.js';
import { waitFor } from '../../helpers/wait-for.js';

let cluster: HybridCluster;
let swept: ServerProcess | null = null;
const dirs: string[] = [];
before(async () => {
  cluster = await startHybridCluster();
});
after(async () => {
  await swept?.dispose();
  await cluster?.dispose();
  await removeDirs(...dirs);
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('after the retention, the S3 objects and packs only old revisions used are deleted from s3rver; live files download byte-exact', async () => {
  const token = await cluster.meta.addUser('eu');
  const placed = await runHsync(['server', 'namespace', 'set-placement', 'eu', 's3', '--data', cluster.meta.dataDir]);
  assert.equal(placed.code, 0, placed.stderr);
  const a = await device('retention-s3-a', token);
  dirs.push(a.root, a.state);
  const unique = randomish(BLOCK_SIZE, 11);
  const shared = randomish(BLOCK_SIZE, 12);
  const changed = randomish(BLOCK_SIZE, 13);
  await writeFile(join(a.root, 'report.bin'), Buffer.concat([unique, shared]));
  // Small blocks that arrive together are packed (a lone one is a whole object).
  await writeFile(join(a.root, 'small.txt'), 'the old small file\n');
  await writeFile(join(a.root, 'other.txt'), 'the old other file\n');
  assert.equal((await syncCli(cluster.meta.url, a)).code, 0);
  const packsOfV1 = (await cluster.s3Layout()).packs;
  await writeFile(join(a.root, 'report.bin'), Buffer.concat([changed, shared]));
  await writeFile(join(a.root, 'small.txt'), 'the new small file\n');
  await writeFile(join(a.root, 'other.txt'), 'the new other file\n');
  assert.equal((await syncCli(cluster.meta.url, a)).code, 0);
  const v2 = await cluster.s3Layout();
  for (const block of [unique, shared, changed]) assert.ok(v2.whole.has(blockHashOf(block)), 'each big block is a whole object on s3rver');
  assert.ok(v2.packed.has(blockHashOf(Buffer.from('the old small file\n'))), 'the old small file is packed');

  // The metadata service again, its sweep's clock a month and a day ahead.
  swept = await cluster.metaLater(31 * 24 * 3600_000);
  await waitFor(() => /retention: \d+ revisions/.test(swept!.stderr()), () => `a retention pass: ${swept!.stderr()}`);
  assert.match(swept.stderr(), /retention: 3 revisions older than 30 days dropped; 3 blocks .* 3 S3 copies/);

  const after = await cluster.s3Layout();
  assert.ok(!after.whole.has(blockHashOf(unique)), 'the object only the old report.bin used is deleted');
  assert.ok(after.whole.has(blockHashOf(shared)) && after.whole.has(blockHashOf(changed)), 'the live file\'s objects stay');
  assert.ok(after.packed.has(blockHashOf(Buffer.from('the new small file\n'))));
  assert.deepEqual(after.packs, new Set([...v2.packs].filter((p) => !packsOfV1.has(p))), 'the pack only old revisions used is deleted');

  const b = await device('retention-s3-b', token);
  dirs.push(b.root, b.state);
  const down = await syncCli(swept.url, b);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(sha256(await readFile(join(b.root, 'report.bin'))), sha256(Buffer.concat([changed, shared])));
  assert.equal(await readFile(join(b.root, 'small.txt'), 'utf8'), 'the new small file\n');
});
