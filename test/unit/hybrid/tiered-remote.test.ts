// TieredRemote against a stand-in metadata service (a real HTTP server in this process,
// with faults on demand: 503, 507, a hang) and s3rver as the S3 tier. The stand-in lets
// these tests choose exactly when the in-house store fails; the real server's split mode
// is exercised by test/integration/hybrid.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import type { StorageState } from '../../../shared/common/sync-api.js';
import type { BlockUrlsRequest, ConfirmBlocksRequest } from '../../../shared/common/tier-protocol.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { TieredRemote } from '../../../shared/node/remote/tiered-remote.js';
import { s3ConfigFrom } from '../../../server/tiers/s3-config.js';
import { S3Tier } from '../../../server/tiers/s3-tier.js';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverPeer } from '../../helpers/s3rver.js';

Object.assign(process.env, S3RVER_CREDENTIALS);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex') as BlockHash;

type Fault = 'none' | 503 | 507 | 'hang';
const stand = {
  fault: 'none' as Fault,
  inhouse: new Map<string, Buffer>(),
  s3Owned: new Set<string>(),
  inhouseRequests: 0,
  corruptInhouse: false,
  /** Blocks the stand-in says S3 holds inside a pack: hash → pack id and range. */
  packed: new Map<string, { pack: string; offset: number; length: number }>(),
  /** The batch route answers even while the in-house routes fail (split mode packs batches into S3). */
  batchWhileDown: false,
  batchRequests: 0,
  /** Split mode: in-house URLs are signed on a "block service" (here: /direct/<hash>). */
  signInhouse: false,
  directRequests: 0,
};
let peer: S3rverPeer;
let s3: S3Tier;
let server: http.Server;
let base: string;

function body(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
const json = (res: http.ServerResponse, status: number, value: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<unknown> {
  const path = req.url ?? '';
  const data = await body(req);
  if (path === '/v1/blocks/urls') {
    const r = JSON.parse(data.toString()) as BlockUrlsRequest;
    const expiresAt = Math.floor(Date.now() / 1000) + 300;
    if (r.tier === 'inhouse' && !stand.signInhouse) {
      return json(res, 400, { error: { code: 'bad_request', message: 'in-house uploads go to PUT /v1/blocks/<hash> on this server' } });
    }
    if (r.tier === 'inhouse') {
      const urls = r.hashes.filter((h) => r.op === 'put' || stand.inhouse.has(h)).map((hash) => ({ hash, tier: 'inhouse', method: r.op === 'put' ? 'PUT' : 'GET', url: `${base}/direct/${hash}`, expiresAt }));
      return json(res, 200, { urls, denied: [] });
    }
    if (r.op === 'put') {
      const urls = await Promise.all(r.hashes.map(async (hash) => ({ hash, tier: 's3', method: 'PUT', url: await s3.presignPut(hash, 300, '1'), expiresAt })));
      return json(res, 200, { urls, denied: [] });
    }
    const owned = r.hashes.filter((h) => stand.s3Owned.has(h) || stand.packed.has(h));
    const urls = await Promise.all(
      owned.map(async (hash) => {
        const inPack = stand.packed.get(hash);
        if (!inPack) return { hash, tier: 's3', method: 'GET', url: await s3.presignGet(hash, 300), expiresAt };
        const range = { offset: inPack.offset, length: inPack.length };
        return { hash, tier: 's3', method: 'GET', url: await s3.presignGetPack(inPack.pack, 300), expiresAt, range };
      }),
    );
    return json(res, 200, { urls, denied: r.hashes.filter((h) => !owned.includes(h)) });
  }
  if (path === '/v1/blocks/confirm') {
    const r = JSON.parse(data.toString()) as ConfirmBlocksRequest;
    const confirmed: string[] = [];
    const missing: string[] = [];
    for (const { hash, size } of r.blocks) {
      if (r.tier === 'inhouse') {
        (stand.inhouse.get(hash)?.length === size ? confirmed : missing).push(hash);
        continue;
      }
      const staged = await s3.getStaged('1', hash);
      if (staged?.length === size && (await s3.put(hash, staged).then(() => true, () => false))) {
        stand.s3Owned.add(hash);
        confirmed.push(hash);
      } else missing.push(hash);
    }
    return json(res, 200, { confirmed, missing });
  }
  if (path === '/v1/blocks/batch') stand.batchRequests++;
  if (path === '/v1/blocks/batch' && stand.batchWhileDown) return storeBatch(data, res);
  if (path.startsWith('/v1/blocks/')) stand.inhouseRequests++; // block traffic only, not GET /v1/stats
  if (stand.fault === 'hang') return; // never answers
  if (stand.fault !== 'none') return json(res, stand.fault, { error: { code: 'unavailable', message: 'block store down' } });
  const direct = /^\/direct\/([0-9a-f]{64})$/.exec(path);
  if (direct) {
    stand.directRequests++;
    if (req.method === 'PUT') {
      if (sha(data) !== direct[1]) return json(res, 422, { error: { code: 'hash_mismatch', message: 'bytes do not match' } });
      stand.inhouse.set(direct[1], data);
      return json(res, 201, { hash: direct[1], size: data.length });
    }
    const bytes = stand.inhouse.get(direct[1]);
    return bytes ? res.writeHead(200, { 'content-length': bytes.length }).end(bytes) : json(res, 404, { error: { code: 'not_found', message: 'no such block' } });
  }
  const m = /^\/v1\/blocks\/([0-9a-f]{64})$/.exec(path);
  if (m && req.method === 'PUT') {
    if (sha(data) !== m[1]) return json(res, 422, { error: { code: 'hash_mismatch', message: 'bytes do not match' } });
    stand.inhouse.set(m[1], data);
    return json(res, 201, { hash: m[1], size: data.length });
  }
  if (m && req.method === 'GET') {
    const bytes = stand.inhouse.get(m[1]);
    if (!bytes) return json(res, 404, { error: { code: 'not_found', message: 'no such block' } });
    const out = Buffer.from(bytes);
    if (stand.corruptInhouse && out.length > 0) out[0] ^= 1;
    return res.writeHead(200, { 'content-length': out.length }).end(out);
  }
  if (path === '/v1/blocks/batch') return storeBatch(data, res);
  json(res, 404, { error: { code: 'not_found', message: 'no route' } });
}

function storeBatch(data: Buffer, res: http.ServerResponse): void {
  const stored: string[] = [];
  for (let at = 0; at < data.length; ) {
    const hash = data.subarray(at, at + 32).toString('hex');
    const size = data.readUInt32BE(at + 32);
    stand.inhouse.set(hash, data.subarray(at + 36, at + 36 + size));
    stored.push(hash);
    at += 36 + size;
  }
  json(res, 200, { stored });
}

before(async () => {
  peer = await startS3rver();
  s3 = new S3Tier(s3ConfigFrom({ 's3-endpoint': peer.endpoint, 's3-region': peer.region, 's3-bucket': peer.bucket, 's3-path-style': true })!);
  server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  server.close();
  s3.close();
  await peer.stop();
});
beforeEach(() => {
  stand.fault = 'none';
  stand.inhouseRequests = 0;
  stand.corruptInhouse = false;
  stand.batchWhileDown = false;
  stand.batchRequests = 0;
  stand.signInhouse = false;
  stand.directRequests = 0;
});

function remote(clock: { t: number }, timeoutMs = 30_000) {
  const states: StorageState[] = [];
  const inner = new HttpRemote(base, 'token', { timeoutMs });
  const tiered = new TieredRemote(inner, {
    now: () => clock.t,
    random: () => 0,
    breaker: { failureThreshold: 2, baseDelayMs: 1000, maxDelayMs: 8000 },
    onStorageChange: (s) => states.push(s),
  });
  return { tiered, states, inner };
}

/** Whether s3rver's disk holds `hash` with the right bytes. */
const inS3 = (hash: string) => peer.holds(`blocks/${hash}`, hash);

test('healthy in-house store: blocks go there, status says in-house, S3 untouched', async () => {
  const { tiered } = remote({ t: 0 });
  const b = randomBytes(1000);
  await tiered.putBlock(sha(b), b);
  assert.deepEqual(stand.inhouse.get(sha(b)), b);
  assert.equal(await inS3(sha(b)), false);
  assert.equal(tiered.storage().mode, 'inhouse');
  assert.deepEqual(await tiered.getBlock(sha(b)), b);
});

for (const fault of [503, 507] as const) {
  test(`in-house answering ${fault}: blocks go to S3 as plain bytes, confirmed, status degraded`, async () => {
    const { tiered, states } = remote({ t: 0 });
    stand.fault = fault;
    const blocks = [randomBytes(4 * 1024 * 1024), randomBytes(10), randomBytes(70_000)].map((bytes) => ({ hash: sha(bytes), bytes }));
    await tiered.putBlocks(blocks);
    for (const { hash } of blocks) {
      assert.ok(await inS3(hash), `block ${hash} is in S3 with the right bytes`);
      assert.ok(stand.s3Owned.has(hash), 'confirmed with the metadata service');
    }
    assert.deepEqual(tiered.storage(), { mode: 'fallback', detail: 'degraded: using S3 fallback', tiers: null });
    assert.equal(states.at(-1)?.mode, 'fallback');
    // Reads fall back too, and come back hash-checked.
    assert.deepEqual(await tiered.getBlock(blocks[1].hash), blocks[1].bytes);
  });
}

test('the breaker stops hammering a dead store, probes with backoff, and recovers', async () => {
  const clock = { t: 0 };
  const { tiered, states } = remote(clock);
  stand.fault = 503;
  const put = async () => {
    const b = randomBytes(64);
    await tiered.putBlock(sha(b), b);
    return sha(b);
  };
  await put();
  await put();
  assert.equal(stand.inhouseRequests, 2, 'two failures open the circuit');
  for (let i = 0; i < 5; i++) await put();
  assert.equal(stand.inhouseRequests, 2, 'open circuit: no more requests to the dead store');
  clock.t = 1000;
  await put();
  assert.equal(stand.inhouseRequests, 3, 'one probe after the first delay');
  await put();
  assert.equal(stand.inhouseRequests, 3);
  clock.t = 2999;
  await put();
  assert.equal(stand.inhouseRequests, 3, 'the next probe waits twice as long');
  clock.t = 3000;
  stand.fault = 'none';
  const home = await put();
  assert.equal(stand.inhouseRequests, 4);
  assert.ok(stand.inhouse.has(home), 'the successful probe stored the block in-house');
  assert.equal(tiered.storage().mode, 'inhouse');
  assert.deepEqual(states.map((s) => s.mode), ['fallback', 'inhouse']);
});

test('a hanging store times out into the fallback', async () => {
  const { tiered } = remote({ t: 0 }, 300);
  stand.fault = 'hang';
  const b = randomBytes(2000);
  const started = Date.now();
  await tiered.putBlock(sha(b), b);
  assert.ok(Date.now() - started < 3000);
  assert.ok(await inS3(sha(b)));
});

test('a corrupt in-house block is never returned: the S3 copy is used instead', async () => {
  const { tiered } = remote({ t: 0 });
  const b = randomBytes(5000);
  stand.fault = 503;
  await tiered.putBlock(sha(b), b); // lands in S3
  stand.fault = 'none';
  stand.inhouse.set(sha(b), b);
  stand.corruptInhouse = true;
  assert.deepEqual(await tiered.getBlock(sha(b)), b);
});

test('S3 returning wrong bytes is rejected as hash_mismatch, never returned', async () => {
  const { tiered } = remote({ t: 0 });
  const b = randomBytes(3000);
  stand.fault = 503;
  await tiered.putBlock(sha(b), b);
  const stale = Buffer.from(b);
  stale[10] ^= 0xff;
  writeFileSync(peer.objectPath(`blocks/${sha(b)}`), stale);
  await assert.rejects(tiered.getBlock(sha(b)), (e: Error & { code?: string }) => e.code === 'hash_mismatch' && /from s3/.test(e.message));
});

test('a block no tier will give this namespace is not_found with the in-house reason', async () => {
  const { tiered } = remote({ t: 0 });
  const unknown = sha(randomBytes(8));
  await assert.rejects(tiered.getBlock(unknown), { code: 'not_found' });
});

test('client mistakes are not fallbacks: a 422 from the store is thrown as is, nothing goes to S3', async () => {
  const { tiered } = remote({ t: 0 });
  const claimed = sha(randomBytes(16));
  await assert.rejects(tiered.putBlock(claimed, Buffer.from('other bytes')), { code: 'hash_mismatch' });
  assert.equal(await inS3(claimed), false);
  assert.equal(stand.s3Owned.has(claimed), false);
  assert.equal(tiered.storage().mode, 'inhouse');
});

test('a block packed in S3 comes through the pack URL and its range, hash-checked; a corrupt range is refused', async () => {
  const { tiered } = remote({ t: 0 });
  const parts = [randomBytes(1000), randomBytes(2500), randomBytes(700)];
  const pack = `pack-${randomBytes(4).toString('hex')}`;
  await s3.putPack(pack, parts);
  let offset = 0;
  for (const p of parts) {
    stand.packed.set(sha(p), { pack, offset, length: p.length });
    offset += p.length;
  }
  stand.fault = 503; // the in-house store cannot answer: the client reads from S3 itself
  assert.deepEqual(await tiered.getBlock(sha(parts[1])), parts[1]);
  assert.deepEqual(await tiered.getBlock(sha(parts[2])), parts[2]);
  const file = peer.objectPath(`packs/${pack}`);
  const bytes = readFileSync(file);
  bytes[1000 + 5] ^= 0x01;
  writeFileSync(file, bytes);
  await assert.rejects(tiered.getBlock(sha(parts[1])), { code: 'hash_mismatch' });
  assert.deepEqual(await tiered.getBlock(sha(parts[0])), parts[0], 'its neighbour still reads');
});

test('with the circuit open, small-block batches still go to the metadata service in one request each', async () => {
  const { tiered } = remote({ t: 0 });
  stand.fault = 503;
  for (let i = 0; i < 2; i++) {
    const b = randomBytes(100);
    await tiered.putBlock(sha(b), b); // two failures open the circuit
  }
  assert.equal(tiered.storage().mode, 'fallback');
  stand.batchWhileDown = true;
  const before = stand.inhouseRequests;
  const blocks = Array.from({ length: 50 }, () => randomBytes(3000)).map((bytes) => ({ hash: sha(bytes), bytes }));
  await tiered.putBlocks(blocks);
  assert.equal(stand.batchRequests, 1, 'one request for the 50 blocks');
  assert.equal(stand.inhouseRequests, before, 'the dead store itself was not tried');
  for (const { hash, bytes } of blocks) {
    assert.deepEqual(stand.inhouse.get(hash), bytes);
    assert.equal(await inS3(hash), false, 'no S3 PUT per block');
  }
  assert.equal(tiered.storage().mode, 'fallback', 'the batch answer does not close the circuit');

  // The metadata service failing too: the blocks go through S3 URLs one by one.
  stand.batchWhileDown = false;
  const more = Array.from({ length: 3 }, () => randomBytes(500)).map((bytes) => ({ hash: sha(bytes), bytes }));
  await tiered.putBlocks(more);
  for (const { hash } of more) assert.ok(await inS3(hash));
});

test('split mode: block bytes go straight to the signed block-service URL, not through the metadata service', async () => {
  stand.signInhouse = true;
  const { tiered, inner } = remote({ t: 0 });
  const blocks = [randomBytes(300_000), randomBytes(200_000)];
  for (const b of blocks) await tiered.putBlock(sha(b), b);
  const proxied = stand.inhouseRequests;
  for (const b of blocks) assert.deepEqual(await tiered.getBlock(sha(b)), b);
  assert.equal(stand.directRequests, 4, 'two PUTs and two GETs on the signed URLs');
  assert.ok(blocks.every((b) => stand.inhouse.get(sha(b))?.equals(b)), 'the block service holds the exact bytes');
  assert.equal(stand.inhouseRequests, proxied, 'nothing read through the metadata service');
  assert.equal(tiered.storage().mode, 'inhouse');
  inner.close();
});

test('single-process server: it signs no in-house URLs, so blocks go to it directly', async () => {
  const { tiered, inner } = remote({ t: 0 });
  const blocks = [randomBytes(1000), randomBytes(2000)];
  for (const b of blocks) await tiered.putBlock(sha(b), b);
  assert.equal(stand.directRequests, 0);
  assert.ok(blocks.every((b) => stand.inhouse.get(sha(b))?.equals(b)));
  assert.deepEqual(await tiered.getBlock(sha(blocks[1])), blocks[1]);
  inner.close();
});
