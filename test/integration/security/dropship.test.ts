// The Dropship probe against a split server (--role meta + --role blocks) with s3rver as
// the S3 tier, and for namespaces with `s3` placement: bob, who knows only the hash and size of one of alice's 4 MiB blocks, must
// get from confirm, block reads and read URLs exactly what he gets for a hash nobody has.
// Alice's own flow (URL, upload, confirm, commit, another device downloads) still works.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { runHsync } from '../../helpers/server-process.js';
import { device, syncInProcess, writeFiles, type Device } from '../../helpers/hybrid-devices.js';

const BLOCK = 4 * 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let cluster: HybridCluster;
const devices: Device[] = [];

before(async () => {
  cluster = await startHybridCluster();
});
after(async () => {
  await cluster?.dispose();
  await Promise.all(devices.flatMap((d) => [rm(d.root, { recursive: true, force: true }), rm(d.state, { recursive: true, force: true })]));
});

async function newDevice(name: string, token: string): Promise<Device> {
  const d = await device(name, token);
  devices.push(d);
  return d;
}

function api(token: string, method: string, path: string, body?: unknown) {
  return fetch(`${cluster.meta.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json<T>(res: Response): Promise<T> {
  assert.equal(res.status, 200, `${res.url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** What bob gets for `hash` from confirm, GET /v1/blocks/<hash> and read URLs, with the hash itself blanked out. */
async function probe(token: string, tier: 'inhouse' | 's3', hash: string): Promise<unknown> {
  const blank = (text: string) => text.replaceAll(hash, 'H');
  const confirm = await api(token, 'POST', '/v1/blocks/confirm', { tier, blocks: [{ hash, size: BLOCK }] });
  const read = await api(token, 'GET', `/v1/blocks/${hash}`);
  const readBody = Buffer.from(await read.arrayBuffer());
  const urls = await api(token, 'POST', '/v1/blocks/urls', { op: 'get', hashes: [hash] });
  const tierUrls = await api(token, 'POST', '/v1/blocks/urls', { op: 'get', hashes: [hash], tier });
  return {
    confirm: [confirm.status, blank(await confirm.text())],
    read: [read.status, readBody.length === BLOCK ? sha(readBody) : blank(readBody.toString())],
    urls: [urls.status, blank(await urls.text())],
    tierUrls: [tierUrls.status, blank(await tierUrls.text())],
  };
}

/** Bob's answers for alice's block equal his answers for a random hash, and none of them holds her bytes. */
async function assertNothingFor(bob: string, tier: 'inhouse' | 's3', hash: string): Promise<void> {
  const forAlices = await probe(bob, tier, hash);
  const forRandom = await probe(bob, tier, sha(randomBytes(32)));
  assert.deepEqual(forAlices, forRandom, 'bob cannot tell alice\'s block from a hash nobody has');
  assert.deepEqual((forAlices as { confirm: unknown[] }).confirm, [200, JSON.stringify({ confirmed: [], missing: ['H'] })]);
  assert.notEqual((forAlices as { read: unknown[] }).read[1], hash, 'bob never reads alice\'s bytes');
}

test('in-house (split mode): knowing a block\'s hash and size grants bob nothing; alice\'s own flow still works', async () => {
  const alice = await cluster.meta.addUser('alice');
  const bob = await cluster.meta.addUser('bob');
  const a = await newDevice('alice-a', alice);
  await writeFiles(a.root, '', [BLOCK]);
  assert.equal((await syncInProcess(cluster.meta.url, a)).code, 0);
  const bytes = await readFile(join(a.root, 'file-0.bin'));
  const hash = sha(bytes);
  assert.ok((await cluster.blockServiceHashes()).has(hash), 'alice\'s block went to the block service');

  await assertNothingFor(bob, 'inhouse', hash);

  // Alice's other device still downloads her file (urls get → the block service).
  const b = await newDevice('alice-b', alice);
  assert.equal((await syncInProcess(cluster.meta.url, b)).code, 0);
  assert.equal(sha(await readFile(join(b.root, 'file-0.bin'))), hash);
  // An honest upload of the same bytes by bob makes them his.
  const put = await json<{ urls: { url: string }[] }>(await api(bob, 'POST', '/v1/blocks/urls', { op: 'put', hashes: [hash], tier: 'inhouse' }));
  // 201, as for a block nobody stored (upload-oracle.test.ts).
  assert.equal((await fetch(put.urls[0].url, { method: 'PUT', body: new Uint8Array(bytes) })).status, 201);
  const confirmed = await json<{ confirmed: string[] }>(await api(bob, 'POST', '/v1/blocks/confirm', { tier: 'inhouse', blocks: [{ hash, size: BLOCK }] }));
  assert.deepEqual(confirmed.confirmed, [hash], 'bob owns the block once he sent its bytes himself');
});

test('S3 tier: knowing a block\'s hash and size grants bob nothing, and his garbage upload does not touch alice\'s copy', async () => {
  const alice = await cluster.meta.addUser('alice-s3');
  const bob = await cluster.meta.addUser('bob-s3');
  const bytes = randomBytes(BLOCK);
  const hash = sha(bytes);
  // Alice's honest flow straight to S3: URL, upload, confirm, then a read URL gives her bytes back.
  const put = await json<{ urls: { url: string }[] }>(await api(alice, 'POST', '/v1/blocks/urls', { op: 'put', hashes: [hash], tier: 's3' }));
  assert.equal((await fetch(put.urls[0].url, { method: 'PUT', body: new Uint8Array(bytes) })).status, 200);
  assert.equal((await cluster.s3Hashes()).has(hash), false, 'an upload is staged, not yet the block');
  const confirmed = await json<{ confirmed: string[] }>(await api(alice, 'POST', '/v1/blocks/confirm', { tier: 's3', blocks: [{ hash, size: BLOCK }] }));
  assert.deepEqual(confirmed.confirmed, [hash]);
  assert.ok((await cluster.s3Hashes()).has(hash), 'confirm put the verified bytes at the block\'s key');
  const get = await json<{ urls: { url: string }[] }>(await api(alice, 'POST', '/v1/blocks/urls', { op: 'get', hashes: [hash], tier: 's3' }));
  assert.equal(sha(Buffer.from(await (await fetch(get.urls[0].url)).arrayBuffer())), hash);

  await assertNothingFor(bob, 's3', hash);

  // Bob uploads garbage under alice's hash through his own URL: refused on confirm, alice's copy intact.
  const bobPut = await json<{ urls: { url: string }[] }>(await api(bob, 'POST', '/v1/blocks/urls', { op: 'put', hashes: [hash], tier: 's3' }));
  assert.equal((await fetch(bobPut.urls[0].url, { method: 'PUT', body: new Uint8Array(randomBytes(BLOCK)) })).status, 200);
  const refused = await json<{ missing: string[] }>(await api(bob, 'POST', '/v1/blocks/confirm', { tier: 's3', blocks: [{ hash, size: BLOCK }] }));
  assert.deepEqual(refused.missing, [hash]);
  assert.ok((await cluster.s3Hashes()).has(hash), 'alice\'s copy is still the block\'s bytes');
  await assertNothingFor(bob, 's3', hash);
});

test('s3 placement: knowing a block\'s hash and size grants bob nothing', async () => {
  const alice = await cluster.meta.addUser('alice-eu');
  const bob = await cluster.meta.addUser('bob-eu');
  for (const user of ['alice-eu', 'bob-eu']) {
    const set = await runHsync(['server', 'namespace', 'set-placement', user, 's3', '--data', cluster.meta.dataDir]);
    assert.equal(set.code, 0, set.stderr);
  }
  const a = await newDevice('alice-eu-a', alice);
  await writeFiles(a.root, '', [BLOCK]);
  assert.equal((await syncInProcess(cluster.meta.url, a)).code, 0);
  const hash = sha(await readFile(join(a.root, 'file-0.bin')));
  assert.ok((await cluster.s3Hashes()).has(hash), 'alice\'s block went to S3');

  await assertNothingFor(bob, 's3', hash);
  await assertNothingFor(bob, 'inhouse', hash);
});
