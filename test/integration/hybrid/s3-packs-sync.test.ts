// Small files into an s3-placement namespace end to end: a split server with s3rver, one
// device uploading with `hsync sync --once`, others syncing with the real engine. What
// s3rver's directory holds is read back and hashed: packs, not one object per block.
// A packed block corrupted in s3rver's file is refused by the client (the file is never
// placed with wrong bytes) and reported by `scrub --once` with the file that uses it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { StatsResponse } from '../../../shared/common/tier-stats.js';
import { runHsync } from '../../helpers/server-process.js';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { device, syncCli, syncInProcess, tree, writeFiles } from '../../helpers/hybrid-devices.js';

let cluster: HybridCluster;
before(async () => {
  cluster = await startHybridCluster();
});
after(async () => {
  await cluster?.dispose();
});

const FILES = 500;

test(`${FILES} small files into an s3 namespace: S3 holds packs, B gets every file byte-exact; a corrupt packed block is refused and reported`, async () => {
  const token = await cluster.meta.addUser('eu-small');
  const placed = await runHsync(['server', 'namespace', 'set-placement', 'eu-small', 's3', '--data', cluster.meta.dataDir]);
  assert.equal(placed.code, 0, placed.stderr);
  const a = await device('packs-a', token);
  await writeFiles(a.root, 'notes', Array.from({ length: FILES }, (_, i) => 1 + ((i * 7919) % 12_000)));
  const up = await syncCli(cluster.meta.url, a);
  assert.equal(up.code, 0, up.stderr);

  const expected = await tree(a.root);
  assert.equal(Object.keys(expected).length, FILES);
  const layout = await cluster.s3Layout();
  const inhouse = await cluster.blockServiceHashes();
  for (const [path, hash] of Object.entries(expected)) {
    // One block per file (each is < 4 MiB), so the file's SHA-256 is its block's hash.
    assert.ok(layout.packed.has(hash), `${path}: its block is byte-exact inside a pack on s3rver's disk`);
    assert.equal(layout.whole.has(hash), false, `${path}: no object of its own`);
    assert.equal(inhouse.has(hash), false, `${path}: nothing in-house (data residency)`);
  }
  assert.ok(layout.packs.size >= 1 && layout.packs.size <= 5, `${layout.packs.size} pack objects for ${FILES} files`);
  const stats = (await (await fetch(`${cluster.meta.url}/v1/stats`, { headers: { authorization: `Bearer ${token}` } })).json()) as StatsResponse;
  assert.ok(stats.tiers.s3.blocks >= FILES);
  assert.ok(stats.s3Packs.blocks >= FILES, 'stats count them as packed');
  assert.equal(stats.s3Packs.packs, layout.packs.size);

  const b = await device('packs-b', token);
  const down = await syncInProcess(cluster.meta.url, b);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(await tree(b.root), expected);

  // Flip one byte of one packed block in s3rver's own file.
  const victim = 'notes/file-7.bin';
  const at = layout.packedAt.get(expected[victim])!;
  const packBytes = await readFile(at.file);
  packBytes[at.offset + Math.floor(at.size / 2)] ^= 0x10;
  await writeFile(at.file, packBytes);

  const c = await device('packs-c', token);
  const third = await syncInProcess(cluster.meta.url, c);
  const got = await tree(c.root);
  assert.equal(got[victim], undefined, 'the file with the corrupt block is not placed');
  assert.notEqual(third.code, 0, 'the sync reports it could not get everything');
  for (const [path, hash] of Object.entries(expected)) {
    if (path !== victim) assert.equal(got[path], hash, `${path} arrives byte-exact`);
  }
  const raw = await fetch(`${cluster.meta.url}/v1/blocks/${expected[victim]}`, { headers: { authorization: `Bearer ${token}` } });
  assert.notEqual(raw.status, 200, 'the server never sends the corrupt bytes either');
  assert.notEqual(createHash('sha256').update(Buffer.from(await raw.arrayBuffer())).digest('hex'), expected[victim]);

  const scrub = await cluster.admin(['scrub', '--once']);
  assert.equal(scrub.code, 1, 'a block without a good copy: exit status 1');
  assert.match(scrub.stdout, new RegExp(`block ${expected[victim]}: corrupt, NOT healed \\(.*S3 pack.*\\); used by eu-small:${victim}`));
  assert.equal(scrub.stdout.match(/corrupt, NOT healed/g)?.length, 1, 'only that block');
});
