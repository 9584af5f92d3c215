// The hybrid story end to end with real processes: a split server (metadata + block
// service) with s3rver as the S3 tier, and `hsync sync --once` clients. The block service
// dies while a client uploads; the client finishes through S3; another client gets the
// same bytes; repatriation brings the blocks home and empties the S3 tier.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { StatsResponse } from '../../../shared/common/tier-stats.js';
import { runHsync } from '../../helpers/server-process.js';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { device, syncCli as syncCliOf, syncInProcess, tree, writeFiles, type Device } from '../../helpers/hybrid-devices.js';

let cluster: HybridCluster;
before(async () => {
  cluster = await startHybridCluster();
});
after(async () => {
  await cluster?.dispose();
});

/** `hsync sync --once` against this cluster. */
const syncCli = (d: Device) => syncCliOf(cluster.meta.url, d);
/** The engine and TieredRemote in this process against this cluster. */
const sync = (d: Device) => syncInProcess(cluster.meta.url, d);

async function stats(token: string): Promise<StatsResponse> {
  const res = await fetch(`${cluster.meta.url}/v1/stats`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as StatsResponse;
}

const MiB = 1024 * 1024;

test('block service killed while A syncs: A finishes via S3, B gets identical files, repatriation empties S3', async () => {
  const token = await cluster.meta.addUser('alice');
  const a = await device('a', token);
  const b = await device('b', token);
  // 16 files of 1-6 MiB (26 blocks) and 30 small ones: the kill lands mid-upload.
  await writeFiles(a.root, 'photos', Array.from({ length: 16 }, (_, i) => MiB + i * 300_000));
  await writeFiles(a.root, 'notes', Array.from({ length: 30 }, (_, i) => 100 + i * 37));

  const running = syncCli(a);
  // Kill -9 the block service as soon as it holds its first block.
  for (let i = 0; i < 2000 && (await cluster.blockServiceHashes()).size === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await cluster.blocks.kill();
  const result = await running;
  assert.equal(result.code, 0, `A exits 0 through the fallback; stderr: ${result.stderr}`);

  const during = await stats(token);
  assert.ok(during.tiers.s3.blocks > 0, 'some blocks went to S3');
  assert.equal((await cluster.s3Hashes()).size, during.tiers.s3.blocks, 'S3 holds byte-exact blocks under their hashes');
  assert.equal(during.pendingRepatriation, during.tiers.s3.blocks);

  await cluster.blocks.restart();
  assert.equal(cluster.blocks.url, cluster.blockServiceUrl, 'block service back where the metadata service expects it');
  const bResult = await sync(b);
  assert.equal(bResult.code, 0, bResult.stderr);
  const expected = await tree(a.root);
  assert.equal(Object.keys(expected).length, 46);
  assert.deepEqual(await tree(b.root), expected);

  const repatriated = await cluster.admin(['repatriate', '--once'], ['--grace-sec', '0']);
  assert.equal(repatriated.code, 0, repatriated.stderr);
  assert.match(repatriated.stdout, /repatriated \d+ blocks .*; \d+ S3 copies swept, \d+ S3 packs deleted/);
  const after = await cluster.stats();
  assert.equal(after.tiers.s3.blocks, 0, 'S3 tier empty after the sweep (hsync server stats --json)');
  assert.equal(after.tiers.inhouse.blocks, during.tiers.inhouse.blocks + during.tiers.s3.blocks);
  assert.equal(after.pendingRepatriation, 0);
  assert.equal((await cluster.s3Hashes()).size, 0);

  const c = await device('c', token);
  const cResult = await sync(c);
  assert.equal(cResult.code, 0, cResult.stderr);
  assert.deepEqual(await tree(c.root), expected, 'files still download byte-exact from the in-house store');
});

test('block service down from the start: uploads and downloads both run on S3', async () => {
  const token = await cluster.meta.addUser('dora');
  const a = await device('dora-a', token);
  const b = await device('dora-b', token);
  await writeFiles(a.root, '', [5 * MiB, 3000, 1]);
  await cluster.blocks.kill();
  try {
    const up = await sync(a);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.mode, 'fallback', 'the client says it is degraded');
    assert.equal(up.storage.detail, 'degraded: using S3 fallback');
    assert.ok((up.storage.tiers?.s3.blocks ?? 0) >= 2, 'the status carries the server tier figures');
    const down = await sync(b);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await tree(b.root), await tree(a.root));
  } finally {
    await cluster.blocks.restart();
  }
});

test('s3 placement: the namespace writes its blocks to S3 only', async () => {
  const token = await cluster.meta.addUser('eu-team');
  const set = await runHsync(['server', 'namespace', 'set-placement', 'eu-team', 's3', '--data', cluster.meta.dataDir]);
  assert.equal(set.code, 0, set.stderr);
  const a = await device('eu', token);
  await writeFiles(a.root, 'contracts', [4 * MiB + 5, 70_000, 12]);
  const before = await cluster.blockServiceHashes();
  const up = await sync(a);
  assert.equal(up.code, 0, up.stderr);
  const hashes = new Set<string>();
  for (const name of ['file-0.bin', 'file-1.bin', 'file-2.bin']) {
    const bytes = await readFile(join(a.root, 'contracts', name));
    for (let at = 0; at < bytes.length; at += 4 * MiB) hashes.add(createHash('sha256').update(bytes.subarray(at, at + 4 * MiB)).digest('hex'));
  }
  const inS3 = await cluster.s3Hashes();
  const inhouse = await cluster.blockServiceHashes();
  for (const hash of hashes) {
    assert.ok(inS3.has(hash), `block ${hash} is in S3`);
    assert.ok(!inhouse.has(hash) || before.has(hash), `block ${hash} was not written in-house`);
  }
  assert.equal((await stats(token)).placement, 's3');
  const b = await device('eu-b', token);
  assert.equal((await sync(b)).code, 0);
  assert.deepEqual(await tree(b.root), await tree(a.root));
});

test('signed URLs: a namespace gets no URL for a block it does not own; a tampered or expired one is refused', async () => {
  const owner = await cluster.meta.addUser('owner');
  const thief = await cluster.meta.addUser('thief');
  const bytes = randomBytes(10_000);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const api = (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${cluster.meta.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  assert.equal((await fetch(`${cluster.meta.url}/v1/blocks/${hash}`, { method: 'PUT', headers: { authorization: `Bearer ${owner}` }, body: new Uint8Array(bytes) })).status, 201);

  const denied = await (await api(thief, 'POST', '/v1/blocks/urls', { op: 'get', hashes: [hash] })).json();
  assert.deepEqual(denied, { urls: [], denied: [hash] });

  const granted = (await (await api(owner, 'POST', '/v1/blocks/urls', { op: 'get', hashes: [hash], tier: 'inhouse' })).json()) as { urls: { url: string }[] };
  const url = new URL(granted.urls[0].url);
  const got = await fetch(url);
  assert.equal(got.status, 200);
  assert.equal(createHash('sha256').update(Buffer.from(await got.arrayBuffer())).digest('hex'), hash);

  const tampered = new URL(url);
  tampered.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 1));
  assert.equal((await fetch(tampered)).status, 403);
  const otherBlock = new URL(url.toString().replace(hash, createHash('sha256').update('x').digest('hex')));
  assert.equal((await fetch(otherBlock)).status, 403);
  const { grantUrl } = await import('../../../server/signing/block-grant.js');
  const { readSecret } = await import('../../../server/signing/secret-file.js');
  const expired = grantUrl(cluster.blockServiceUrl, readSecret(cluster.secretFile), { method: 'GET', hash: hash as never, expiresAt: Math.floor(Date.now() / 1000) - 5 });
  assert.equal((await fetch(expired)).status, 403);
});

test('corrupt in-house block: never served; scrub --once heals it from S3', async () => {
  const token = await cluster.meta.addUser('frank');
  const a = await device('frank', token);
  await writeFiles(a.root, '', [200_000]);
  // Upload through S3 (service down), bring it home with the S3 copy kept, then corrupt the in-house copy.
  await cluster.blocks.kill();
  assert.equal((await sync(a)).code, 0);
  await cluster.blocks.restart();
  assert.equal((await cluster.admin(['repatriate', '--once'], ['--grace-sec', '3600'])).code, 0);
  const bytes = await readFile(join(a.root, 'file-0.bin'));
  const hash = createHash('sha256').update(bytes).digest('hex');
  const onDisk = join(cluster.blocks.dataDir, 'blocks', hash.slice(0, 2), hash);
  const bad = Buffer.from(bytes);
  bad[99] ^= 1;
  await writeFile(onDisk, bad);

  const b = await device('frank-b', token);
  assert.equal((await sync(b)).code, 0, 'B still gets the file: the corrupt copy is skipped for the S3 one');
  assert.equal(createHash('sha256').update(await readFile(join(b.root, 'file-0.bin'))).digest('hex'), createHash('sha256').update(bytes).digest('hex'));

  const scrub = await cluster.admin(['scrub', '--once']);
  assert.equal(scrub.code, 0, scrub.stdout + scrub.stderr);
  assert.match(scrub.stdout, new RegExp(`block ${hash}: corrupt, replaced from S3`));
  assert.equal(createHash('sha256').update(await readFile(onDisk)).digest('hex'), hash, 'healed on the block service disk');
});
