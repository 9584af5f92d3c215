// The tier machinery of the metadata side on a real data dir and s3rver: verified reads
// across tiers, URLs only for owned blocks, confirm, repatriation (mark, then sweep),
// residency of s3 namespaces, and the scrubber healing from S3 or naming the files hit.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { Committer } from '../../../server/meta/commit.js';
import { Ownership } from '../../../server/meta/ownership.js';
import { createUser, authenticate } from '../../../server/store/accounts.js';
import { openDatabase, type Db } from '../../../server/store/database.js';
import { SqliteMetaStore } from '../../../server/store/sqlite-store.js';
import { openTiers, type OpenTiers } from '../../../server/tiers/open-tiers.js';
import { repatriateOnce, sweepS3 } from '../../../server/tiers/repatriate.js';
import { s3ConfigFrom } from '../../../server/tiers/s3-config.js';
import { scrubOnce } from '../../../server/tiers/scrub.js';
import { tierStats } from '../../../server/tiers/tier-cost.js';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverPeer } from '../../helpers/s3rver.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { tempDir } from '../../helpers/temp-dir.js';

const send = async (method: string, url: string, body?: Buffer) => (await rawRequest(method, url, body)).status;
Object.assign(process.env, S3RVER_CREDENTIALS);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex') as BlockHash;
const HOUR = 3600_000;

let peer: S3rverPeer;
let db: Db;
let tiers: OpenTiers;
let store: SqliteMetaStore;
let dataDir: string;
let alice: number;
let bob: number;

before(async () => {
  peer = await startS3rver();
  dataDir = tempDir('hsync-tiers-');
  db = openDatabase(dataDir);
  const nsOf = (token: string) => authenticate(db, token)!.namespaceId;
  alice = nsOf(createUser(db, 'alice'));
  bob = nsOf(createUser(db, 'bob'));
  const s3 = s3ConfigFrom({ 's3-endpoint': peer.endpoint, 's3-region': peer.region, 's3-bucket': peer.bucket, 's3-path-style': true });
  store = new SqliteMetaStore(db);
  tiers = openTiers(store, { dataDir, s3, graceMs: HOUR });
});
after(async () => {
  tiers.close();
  await store.close();
  await peer.stop();
});

const s3Holds = (hash: string) => peer.holds(`blocks/${hash}`, hash);
const loose = (hash: string) => join(dataDir, 'blocks', hash.slice(0, 2), hash);
const stats = async () => tierStats(await tiers.service.index.counts());
const blocks = (n: number, size = 10_000) => Array.from({ length: n }, () => randomBytes(size)).map((bytes) => ({ hash: sha(bytes), bytes }));

test('fallback blocks sit in S3 until repatriation brings them home; the S3 copy is swept only after the grace period', async () => {
  const service = tiers.service;
  const set = blocks(5);
  for (const { hash, bytes } of set) await service.storeS3(alice, hash, bytes);
  for (const { hash } of set) assert.ok(await s3Holds(hash));
  let s = await stats();
  assert.equal(s.tiers.s3.blocks, 5);
  assert.equal(s.pendingRepatriation, 5);
  assert.deepEqual(await service.read(set[0].hash), set[0].bytes);

  const t0 = Date.now();
  const result = await repatriateOnce(service, { now: () => t0 });
  assert.equal(result.copied, 5);
  assert.equal(result.swept, 0, 'nothing deleted during the grace period');
  for (const { hash } of set) {
    assert.equal(sha(readFileSync(loose(hash))), hash, 'in-house copy is byte-exact');
    assert.ok(await s3Holds(hash), 'S3 copy kept until the sweep');
    assert.equal((await service.index.block(hash))?.tier, 'inhouse');
  }
  s = await stats();
  assert.equal(s.pendingRepatriation, 0);
  assert.equal(s.tiers.inhouse.blocks, 5);

  assert.equal(await sweepS3(service, t0 + HOUR - 1), 0);
  assert.equal(await sweepS3(service, t0 + HOUR), 5);
  for (const { hash } of set) assert.equal(await s3Holds(hash), false);
  assert.equal((await stats()).tiers.s3.blocks, 0);
  assert.deepEqual(await service.read(set[4].hash), set[4].bytes);
});

test('an s3-placement namespace keeps its blocks in S3 only, and repatriation leaves them there', async () => {
  const service = tiers.service;
  assert.equal(await service.index.setPlacement('bob', 's3'), true);
  const [b] = blocks(1);
  await service.storeS3(bob, b.hash, b.bytes);
  const put = await service.urls(bob, { op: 'put', hashes: [b.hash], tier: 'inhouse' });
  assert.equal(put.urls[0].tier, 's3', 'residency beats the client asking for in-house');
  const result = await repatriateOnce(service);
  assert.equal(result.copied, 0);
  assert.ok(await s3Holds(b.hash));
  assert.equal(existsSync(loose(b.hash)), false);
  assert.equal(await service.index.setPlacement('nobody', 's3'), false);
  await service.index.setPlacement('bob', 'inhouse');
});

test('URLs: a namespace gets none for a block it does not own; confirm records only what S3 really holds', async () => {
  const service = tiers.service;
  const [mine, theirs] = blocks(2);
  await service.storeS3(bob, theirs.hash, theirs.bytes);
  const get = await service.urls(alice, { op: 'get', hashes: [theirs.hash, sha(randomBytes(3))] });
  assert.deepEqual(get.urls, []);
  assert.equal(get.denied.length, 2, 'not owned and not stored: the same answer');

  const { urls } = await service.urls(alice, { op: 'put', hashes: [mine.hash], tier: 's3' });
  assert.equal(urls.length, 1);
  const early = await service.confirm(alice, { tier: 's3', blocks: [{ hash: mine.hash, size: mine.bytes.length }] });
  assert.deepEqual(early, { confirmed: [], missing: [mine.hash] }, 'nothing uploaded yet');
  assert.equal(await send('PUT', urls[0].url, mine.bytes), 200);
  const wrongSize = await service.confirm(alice, { tier: 's3', blocks: [{ hash: mine.hash, size: mine.bytes.length + 1 }] });
  assert.deepEqual(wrongSize.missing, [mine.hash]);
  const ok = await service.confirm(alice, { tier: 's3', blocks: [{ hash: mine.hash, size: mine.bytes.length }] });
  assert.deepEqual(ok.confirmed, [mine.hash]);
  const mineGet = await service.urls(alice, { op: 'get', hashes: [mine.hash] });
  assert.equal(mineGet.urls[0]?.tier, 's3');

  // Wrong bytes under the right name: refused at confirm and removed from S3.
  const [fake] = blocks(1, 1000);
  const { urls: fakeUrls } = await service.urls(alice, { op: 'put', hashes: [fake.hash], tier: 's3' });
  assert.equal(await send('PUT', fakeUrls[0].url, randomBytes(1000)), 200);
  const refused = await service.confirm(alice, { tier: 's3', blocks: [{ hash: fake.hash, size: 1000 }] });
  assert.deepEqual(refused.missing, [fake.hash]);
  assert.equal(existsSync(peer.objectPath(`blocks/${fake.hash}`)), false);
  await assert.rejects(service.urls(alice, { op: 'get', hashes: ['nothex'] }), { code: 'bad_request' });
});

test('a corrupt in-house block is never served; the scrubber heals it from S3 or names the files that use it', async () => {
  const service = tiers.service;
  const [healable, lost] = blocks(2, 50_000);
  // Both stored in-house (via S3 and repatriation, so healable keeps an S3 copy for the grace period).
  await service.storeS3(alice, healable.hash, healable.bytes);
  await repatriateOnce(service);
  await tiers.service.deps.inhouse.write(lost.hash, lost.bytes);
  db.prepare("INSERT INTO blocks (hash, size, tier, created_at) VALUES (?, ?, 'inhouse', ?)").run(lost.hash, lost.bytes.length, Date.now());
  new Ownership(db).add(alice, [lost.hash]);
  const committer = new Committer(store);
  const { results } = await committer.commit(alice, 'dev', [{ kind: 'put', path: 'docs/report.bin', parentRev: null, size: lost.bytes.length, mtime: 1, blocks: [lost.hash] }]);
  assert.equal(results[0].status, 'committed');

  for (const { hash, bytes } of [healable, lost]) {
    const bad = Buffer.from(bytes);
    bad[7] ^= 0x40;
    writeFileSync(loose(hash), bad);
  }
  assert.deepEqual(await service.read(healable.hash), healable.bytes, 'served from S3 instead');
  await assert.rejects(service.read(lost.hash), { code: 'hash_mismatch' });

  const report = await scrubOnce(service, { fromStart: true });
  const byHash = new Map(report.findings.map((f) => [f.hash, f]));
  assert.equal(byHash.get(healable.hash)?.healed, true);
  assert.equal(sha(readFileSync(loose(healable.hash))), healable.hash, 'healed on disk');
  assert.equal(byHash.get(lost.hash)?.healed, false);
  assert.deepEqual(byHash.get(lost.hash)?.files, [{ namespace: 'alice', path: 'docs/report.bin' }]);
  assert.equal((await stats()).corruptBlocks, 1);
  assert.ok(report.checked >= 2);
});

test('S3 answering with wrong bytes: the read is refused and the bad copy is counted', async () => {
  const service = tiers.service;
  const [b] = blocks(1, 30_000);
  await service.storeS3(bob, b.hash, b.bytes);
  const before = (await stats()).corruptBlocks;
  const stale = Buffer.from(b.bytes);
  stale[0] ^= 0xff;
  writeFileSync(peer.objectPath(`blocks/${b.hash}`), stale);
  await assert.rejects(service.read(b.hash), { code: 'hash_mismatch' });
  assert.equal((await stats()).corruptBlocks, before + 1);
  assert.equal((await service.index.corrupt()).find((c) => c.hash === b.hash)?.tier, 's3');
});

test('the scrubber re-hashes whole-block S3 objects: a bad one is re-uploaded from in-house, or named with its files', async () => {
  const service = tiers.service;
  const [healable, lost, gone] = blocks(3, 40_000);
  for (const b of [healable, lost, gone]) await service.storeS3(bob, b.hash, b.bytes);
  // healable also has a good in-house copy, read first; lost and gone exist only in S3.
  await service.deps.inhouse.write(healable.hash, healable.bytes);
  db.prepare("UPDATE blocks SET tier = 'inhouse' WHERE hash = ?").run(healable.hash);
  const committer = new Committer(store);
  const put = (path: string, b: { hash: string; bytes: Buffer }) =>
    committer.commit(bob, 'dev', [{ kind: 'put', path, parentRev: null, size: b.bytes.length, mtime: 1, blocks: [b.hash as BlockHash] }]);
  assert.equal((await put('photos/lost.jpg', lost)).results[0].status, 'committed');
  assert.equal((await put('photos/gone.jpg', gone)).results[0].status, 'committed');
  for (const b of [healable, lost]) {
    const bad = Buffer.from(b.bytes);
    bad[99] ^= 0x01;
    writeFileSync(peer.objectPath(`blocks/${b.hash}`), bad);
  }
  await peer.deleteObject(`blocks/${gone.hash}`);

  const report = await scrubOnce(service, { fromStart: true });
  assert.equal(report.finished, true);
  const byHash = new Map(report.findings.map((f) => [f.hash, f]));
  assert.equal(byHash.get(healable.hash)?.healed, true);
  assert.equal(sha(await peer.storedObject(`blocks/${healable.hash}`, healable.bytes.length)), healable.hash, 'S3 holds good bytes again');
  assert.equal(byHash.get(lost.hash)?.healed, false);
  assert.deepEqual(byHash.get(lost.hash)?.files, [{ namespace: 'bob', path: 'photos/lost.jpg' }]);
  assert.match(byHash.get(lost.hash)!.reason, /hash/);
  assert.deepEqual(byHash.get(gone.hash)?.files, [{ namespace: 'bob', path: 'photos/gone.jpg' }]);
  assert.match(byHash.get(gone.hash)!.reason, /no such object/);
  // A limited pass keeps its place: the next one carries on, and one more finishes the walk.
  const first = await scrubOnce(service, { fromStart: true, limit: 1 });
  assert.equal(first.finished, false);
});

test('a rate-limited scrub pass ends at once when aborted, and keeps Node alive until then', async () => {
  const service = tiers.service;
  for (const { hash, bytes } of blocks(4, 100_000)) {
    await service.deps.inhouse.write(hash, bytes);
    db.prepare("INSERT OR IGNORE INTO blocks (hash, size, tier, created_at) VALUES (?, ?, 'inhouse', ?)").run(hash, bytes.length, Date.now());
  }
  const stopping = new AbortController();
  const started = Date.now();
  // 1 kB/s: without the abort, this pass would sleep for minutes between blocks.
  const pass = scrubOnce(service, { fromStart: true, maxBytesPerSec: 1000, signal: stopping.signal });
  setTimeout(() => stopping.abort(), 200);
  const report = await pass;
  assert.ok(Date.now() - started < 5000, `ended ${Date.now() - started} ms after start`);
  assert.equal(report.finished, false);
  assert.ok(report.checked >= 1);
});
