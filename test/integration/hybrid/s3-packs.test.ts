// Small blocks in S3 packs, on a real data dir and s3rver: what lands in s3rver's directory
// (packs, not one object per block, each block byte-exact at its recorded range), reads
// and presigned ranged URLs, a corrupt packed block refused and reported by the scrubber,
// and repatriation that deletes a pack only once no block in it is needed and the grace
// period is over.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { Committer } from '../../../server/meta/commit.js';
import { authenticate, createUser } from '../../../server/store/accounts.js';
import { openDatabase, type Db } from '../../../server/store/database.js';
import { SqliteMetaStore } from '../../../server/store/sqlite-store.js';
import { openTiers, type OpenTiers } from '../../../server/tiers/open-tiers.js';
import { repatriateOnce, sweepS3 } from '../../../server/tiers/repatriate.js';
import { s3ConfigFrom } from '../../../server/tiers/s3-config.js';
import { scrubOnce } from '../../../server/tiers/scrub.js';
import { tierStats } from '../../../server/tiers/tier-cost.js';
import { PACK_BELOW } from '../../../server/tiers/tier-service.js';
import { UrlTransfer } from '../../../shared/node/remote/url-transfer.js';
import { s3LayoutOf } from '../../helpers/hybrid-cluster.js';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverPeer } from '../../helpers/s3rver.js';
import { tempDir } from '../../helpers/temp-dir.js';

Object.assign(process.env, S3RVER_CREDENTIALS);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex') as BlockHash;
const HOUR = 3600_000;

let peer: S3rverPeer;
let db: Db;
let tiers: OpenTiers;
let store: SqliteMetaStore;
let dataDir: string;
let alice: number;
let eu: number;

before(async () => {
  peer = await startS3rver();
  dataDir = tempDir('hsync-packs-');
  db = openDatabase(dataDir);
  const nsOf = (token: string) => authenticate(db, token)!.namespaceId;
  alice = nsOf(createUser(db, 'alice'));
  eu = nsOf(createUser(db, 'eu'));
  const s3 = s3ConfigFrom({ 's3-endpoint': peer.endpoint, 's3-region': peer.region, 's3-bucket': peer.bucket, 's3-prefix': 'team/', 's3-path-style': true });
  store = new SqliteMetaStore(db);
  tiers = openTiers(store, { dataDir, s3, graceMs: HOUR });
  assert.equal(await tiers.service.index.setPlacement('eu', 's3'), true);
});
after(async () => {
  tiers.close();
  await store.close();
  await peer.stop();
});

const blocks = (n: number, size: () => number) => Array.from({ length: n }, () => randomBytes(size())).map((bytes) => ({ hash: sha(bytes), bytes }));
const layout = () => s3LayoutOf(peer.directory, dataDir);
const stats = async () => tierStats(await tiers.service.index.counts());
const packOf = async (hash: string) => (await tiers.service.index.s3Location(hash))?.pack ?? null;
const packFile = (id: string) => peer.objectPath(`team/packs/${id}`);

async function commit(namespaceId: number, path: string, hashes: string[], size: number): Promise<void> {
  const committer = new Committer(store);
  const { results } = await committer.commit(namespaceId, 'dev', [{ kind: 'put', path, parentRev: null, size, mtime: 1, blocks: hashes as BlockHash[] }]);
  assert.equal(results[0].status, 'committed');
}

test('small blocks of an s3 namespace land in packs, byte-exact at their ranges; large ones stay whole objects', async () => {
  const service = tiers.service;
  const small = blocks(500, () => 1 + Math.floor(Math.random() * 9000));
  const large = blocks(2, () => PACK_BELOW);
  const s3Before = (await stats()).tiers.s3;
  await service.storeMany(eu, 's3', [...small, ...large, small[0]]);

  const seen = await layout();
  for (const { hash } of small) assert.ok(seen.packed.has(hash), `block ${hash} is byte-exact in its pack on s3rver's disk`);
  for (const { hash } of small) assert.equal(seen.whole.has(hash), false, 'no per-block object for a small block');
  for (const { hash } of large) assert.ok(seen.whole.has(hash), 'a 1 MiB block is its own object at <prefix>blocks/<hash>');
  assert.equal(seen.packs.size, 1, 'one batch, one pack');
  assert.ok(existsSync(packFile([...seen.packs][0])), 'packs live at <prefix>packs/<id>');

  const s = await stats();
  assert.equal(s.tiers.s3.blocks - s3Before.blocks, 502);
  assert.equal(s.s3Packs.blocks, 500);
  assert.equal(s.s3Packs.packs, 1);
  assert.equal(s.s3Packs.bytes, small.reduce((n, b) => n + b.bytes.length, 0));
  for (const b of [small[0], small[499], large[1]]) assert.deepEqual(await service.read(b.hash), b.bytes);
});

test('a presigned pack URL with the block range gives the client exactly the block, and nothing for a block it does not own', async () => {
  const service = tiers.service;
  const set = blocks(20, () => 3000);
  await service.storeMany(eu, 's3', set);
  const { urls, denied } = await service.urls(eu, { op: 'get', hashes: [set[7].hash] });
  assert.deepEqual(denied, []);
  assert.equal(urls.length, 1);
  assert.deepEqual(urls[0].range, { offset: 7 * 3000, length: 3000 });
  assert.match(urls[0].url, /\/team\/packs\//);
  const transfer = new UrlTransfer({ sentBytes: 0, receivedBytes: 0 });
  try {
    const got = await transfer.get(urls[0].url, 'test', urls[0].range);
    assert.equal(sha(got), set[7].hash);
  } finally {
    transfer.close();
  }
  const other = await service.urls(alice, { op: 'get', hashes: [set[7].hash] });
  assert.deepEqual(other, { urls: [], denied: [set[7].hash] });
});

test('a pack shared through deduplication gets no URL: the other namespace reads its one block through the server', async () => {
  const service = tiers.service;
  const set = blocks(20, () => 3000);
  await service.storeMany(eu, 's3', set);
  // Alice really has one of those blocks and uploads it: she owns it, not the pack's 19 others.
  await service.storeMany(alice, 's3', [set[7]]);
  assert.equal(await packOf(set[7].hash), await packOf(set[8].hash), 'the block stays in eu\'s pack');
  const theirs = await service.urls(alice, { op: 'get', hashes: [set[7].hash], tier: 's3' });
  assert.equal(theirs.urls.some((u) => u.range !== undefined || /\/packs\//.test(u.url)), false, 'no URL that reads the whole pack');
  assert.deepEqual(await service.read(set[7].hash), set[7].bytes, 'the server still reads it for her');
  // eu, which owns every block of the pack, still gets the ranged pack URL.
  const own = await service.urls(eu, { op: 'get', hashes: [set[8].hash], tier: 's3' });
  assert.deepEqual(own.urls[0].range, { offset: 8 * 3000, length: 3000 });
});

test('a corrupt packed block is refused on read and reported by the scrubber with its files; its neighbours are fine', async () => {
  const service = tiers.service;
  const set = blocks(10, () => 5000);
  await service.storeMany(eu, 's3', set);
  await commit(eu, 'contracts/signed.pdf', [set[3].hash], 5000);
  const where = (await service.index.s3Location(set[3].hash))!;
  const file = packFile(where.pack!);
  const bytes = readFileSync(file);
  bytes[where.offset! + 17] ^= 0x20;
  writeFileSync(file, bytes);

  await assert.rejects(service.read(set[3].hash), { code: 'hash_mismatch' });
  assert.deepEqual(await service.read(set[4].hash), set[4].bytes, 'the next block in the pack still reads');
  const report = await scrubOnce(service, { fromStart: true });
  assert.equal(report.finished, true);
  const finding = report.findings.find((f) => f.hash === set[3].hash);
  assert.ok(finding, 'the scrubber found the corrupt packed block');
  assert.equal(finding.healed, false, 'no other copy: reported, not healed');
  assert.deepEqual(finding.files, [{ namespace: 'eu', path: 'contracts/signed.pdf' }]);
  assert.match(finding.reason, /S3 pack/);
  assert.equal(report.findings.filter((f) => set.some((b) => b.hash === f.hash)).length, 1, 'only the corrupt one');
  assert.ok((await stats()).corruptBlocks >= 1);
  assert.equal((await service.index.corrupt()).find((c) => c.hash === set[3].hash)?.tier, 's3');
});

test('repatriation brings packed blocks home; a pack goes only when none of its blocks is needed and the grace period is over', async () => {
  const service = tiers.service;
  // One pack: 30 blocks of in-house namespace alice (fallback) and one that eu (s3 placement) owns too.
  const set = blocks(31, () => 2000 + Math.floor(Math.random() * 2000));
  await service.storeMany(alice, 's3', set);
  await service.storeMany(eu, 's3', [set[30]]);
  const pack = (await packOf(set[0].hash))!;
  for (const b of set) assert.equal(await packOf(b.hash), pack, 'all in one pack');
  assert.equal(await packOf(set[30].hash), pack, 'the second upload keeps the first place');

  const t0 = Date.now();
  const result = await repatriateOnce(service, { now: () => t0 });
  assert.equal(result.failed.length, 0, JSON.stringify(result.failed));
  assert.ok(result.copied >= 31);
  for (const { hash } of set) {
    assert.equal(sha(readFileSync(join(dataDir, 'blocks', hash.slice(0, 2), hash))), hash, 'in-house copy byte-exact');
    assert.equal((await service.index.block(hash))?.tier, 'inhouse');
  }
  assert.ok(existsSync(packFile(pack)), 'nothing deleted during the grace period');
  assert.equal(await sweepS3(service, t0 + HOUR - 1), 0);
  assert.ok(existsSync(packFile(pack)));

  const packs = { deleted: 0 };
  assert.ok((await sweepS3(service, t0 + HOUR, packs)) >= 30);
  assert.ok(existsSync(packFile(pack)), 'eu still needs one block in the pack: the pack stays');
  assert.equal(await packOf(set[0].hash), null, 'the swept copies left the index');
  assert.equal(await packOf(set[30].hash), pack);
  assert.deepEqual(await service.fetchS3(set[30].hash), set[30].bytes, 'the resident block still reads from the pack');

  // eu's data may leave S3 too: the last block comes home, and after its grace period the pack goes.
  await service.index.setPlacement('eu', 'inhouse');
  try {
    const t1 = Date.now();
    await repatriateOnce(service, { now: () => t1 });
    assert.equal((await service.index.block(set[30].hash))?.tier, 'inhouse');
    assert.ok(existsSync(packFile(pack)));
    await sweepS3(service, t1 + HOUR, packs);
    assert.equal(existsSync(packFile(pack)), false, 'the pack is deleted once nothing in it is needed');
    assert.ok(packs.deleted >= 1);
    assert.deepEqual(await service.read(set[30].hash), set[30].bytes, 'and reads come from in-house');
  } finally {
    await service.index.setPlacement('eu', 's3');
  }
});

test('a block the sweep deletes while an upload of it is under way is stored again, never recorded where it is not', async () => {
  const service = tiers.service;
  const set = blocks(4, () => 1500);
  await service.storeMany(alice, 's3', set);
  const t0 = Date.now();
  await repatriateOnce(service, { now: () => t0 });
  const oldPack = (await packOf(set[0].hash))!;
  // eu uploads two of them plus new ones: S3 holds the two (marked), so they are not sent...
  const fresh = blocks(3, () => 1500);
  const upload = service.storeMany(eu, 's3', [set[0], set[1], ...fresh]);
  // ...and the sweep removes them (and their pack) before the upload records.
  await sweepS3(service, t0 + HOUR);
  await upload;
  assert.equal(existsSync(packFile(oldPack)), false, 'the old pack was swept');
  for (const b of [set[0], set[1], ...fresh]) {
    const where = await service.index.s3Location(b.hash);
    assert.ok(where && where.pack !== oldPack, 'recorded at a new place');
    assert.deepEqual(await service.fetchS3(b.hash), b.bytes, 'and S3 really holds it there');
  }
  const seen = await layout();
  for (const b of [set[0], set[1]]) assert.ok(seen.packed.has(b.hash) || seen.whole.has(b.hash));
});

test('a whole object confirmed for a packed block becomes its place; the pack goes once nothing points into it', async () => {
  const service = tiers.service;
  const [a, b] = blocks(2, () => 2500);
  await service.storeMany(eu, 's3', [a, b]);
  const pack = (await packOf(a.hash))!;
  for (const mine of [a, b]) {
    // Another namespace proves it has the bytes the client way: a presigned PUT, then confirm.
    const { urls } = await service.urls(alice, { op: 'put', hashes: [mine.hash], tier: 's3' });
    const transfer = new UrlTransfer({ sentBytes: 0, receivedBytes: 0 });
    await transfer.put(urls[0].url, mine.bytes, 'test').finally(() => transfer.close());
    assert.deepEqual((await service.confirm(alice, { tier: 's3', blocks: [{ hash: mine.hash, size: mine.bytes.length }] })).confirmed, [mine.hash]);
    assert.equal(await packOf(mine.hash), null, 'now read from its whole-block object');
    assert.deepEqual(await service.fetchS3(mine.hash), mine.bytes);
  }
  assert.ok((await service.index.emptyPacks(1000)).includes(pack), 'no block points into the pack any more');
  await sweepS3(service, Date.now());
  assert.equal(existsSync(packFile(pack)), false, 'so the sweep deletes it');
  const seen = await layout();
  assert.ok(seen.whole.has(a.hash) && seen.whole.has(b.hash));
});
