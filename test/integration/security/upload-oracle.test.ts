// No existence oracle on upload: bob uploading a block alice stored already gets exactly the
// answer (status, body, headers) he gets for a block nobody has, on every upload route in
// every mode: the single process, split (--role meta + --role blocks) with s3rver as the S3
// tier, and a namespace with `s3` placement. Timing is checked in upload-timing.test.ts.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { batchBody } from '../server/http.js';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let single: ServerProcess;
let cluster: HybridCluster;
before(async () => {
  [single, cluster] = await Promise.all([startServerProcess(), startHybridCluster()]);
});
after(async () => {
  await Promise.all([single?.dispose(), cluster?.dispose()]);
});

interface Seen {
  status: number;
  body: string;
  headers: [string, string][];
}

/** Headers that differ between any two answers (clock, per-request ids, the content's own ETag). */
const VARYING = new Set(['date', 'etag', 'last-modified', 'x-amz-request-id', 'x-amz-id-2', 'keep-alive', 'connection']);

/** One HTTP exchange, as bob would see it: status, body and headers, with hex hashes and signatures blanked. */
function exchange(method: string, url: string, headers: Record<string, string>, body?: Buffer): Promise<Seen> {
  const blank = (text: string) => text.replace(/[0-9a-f]{64}/g, 'H').replace(/(sig|Signature)=[0-9a-f]+/g, '$1=S').replace(/\d{9,}|\d{8}T\d{6}Z/g, 'T');
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: blank(Buffer.concat(chunks).toString()),
          headers: Object.entries(res.headers)
            .filter(([name]) => !VARYING.has(name))
            .map(([name, value]) => [name, blank(String(value))] as [string, string])
            .sort(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The same as `exchange`, with bob's (or alice's) token, against the metadata service. */
const authed = (base: string, token: string) => (method: string, path: string, body?: Buffer | object) =>
  exchange(
    method,
    base + path,
    { authorization: `Bearer ${token}`, 'content-type': Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json' },
    body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)),
  );

type Route = (token: string, bytes: Buffer) => Promise<unknown>;

/**
 * Alice uploads a block through `route`; then bob uploads that block and a block nobody has
 * through the same route: the two answers must be equal.
 */
async function assertNoOracle(name: string, alice: string, bob: string, size: number, route: Route): Promise<void> {
  const hers = randomBytes(size);
  await route(alice, hers);
  const forHers = await route(bob, hers);
  const forNew = await route(bob, randomBytes(size));
  assert.deepEqual(forHers, forNew, `${name}: bob's answer for a block alice stored equals his answer for a new one`);
}

/** The upload routes of the metadata service: PUT, batch, missing, and a wrong body for the hash. */
function metadataRoutes(base: string, bob: string): [string, number, Route][] {
  return [
    ['PUT /v1/blocks/<hash>', 2 * MiB, (token, bytes) => authed(base, token)('PUT', `/v1/blocks/${sha(bytes)}`, bytes)],
    ['POST /v1/blocks/batch', 3000, (token, bytes) => authed(base, token)('POST', '/v1/blocks/batch', batchBody([{ hash: sha(bytes), bytes }]))],
    [
      'POST /v1/blocks/batch, then missing',
      5000,
      async (token, bytes) => {
        await authed(base, token)('POST', '/v1/blocks/batch', batchBody([{ hash: sha(bytes), bytes }]));
        return authed(base, token)('POST', '/v1/blocks/missing', { hashes: [sha(bytes)] });
      },
    ],
    ['POST /v1/blocks/missing before any upload', 4000, (token, bytes) => authed(base, token)('POST', '/v1/blocks/missing', { hashes: [sha(bytes)] })],
    [
      'PUT /v1/blocks/<hash> with wrong bytes',
      MiB,
      async (token, bytes) => {
        // Alice's call stores the block; bob's sends other bytes under its name.
        const body = token === bob ? randomBytes(bytes.length) : bytes;
        return authed(base, token)('PUT', `/v1/blocks/${sha(bytes)}`, body);
      },
    ],
  ];
}

/** Upload through a URL from POST /v1/blocks/urls, then confirm: every answer on the way. */
const throughUrl = (base: string, tier: 'inhouse' | 's3'): Route => async (token, bytes) => {
  const hash = sha(bytes);
  const call = authed(base, token);
  // Asked twice: once for the answer as seen, once for the URL itself.
  const urls = await call('POST', '/v1/blocks/urls', { op: 'put', hashes: [hash], tier });
  const url = (JSON.parse((await rawUrls(base, token, hash, tier)).toString()) as { urls: { url: string }[] }).urls[0].url;
  const put = await exchange('PUT', url, {}, bytes);
  const confirm = await call('POST', '/v1/blocks/confirm', { tier, blocks: [{ hash, size: bytes.length }] });
  return { urls, put, confirm };
};

async function rawUrls(base: string, token: string, hash: string, tier: string): Promise<Buffer> {
  const res = await fetch(`${base}/v1/blocks/urls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ op: 'put', hashes: [hash], tier }),
  });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

test('single process: every upload route answers bob the same for alice\'s block and for a new one', async () => {
  const alice = await single.addUser('alice');
  const bob = await single.addUser('bob');
  for (const [name, size, route] of metadataRoutes(single.url, bob)) await assertNoOracle(name, alice, bob, size, route);
});

test('split mode: the metadata routes, a signed block-service PUT and a presigned S3 upload answer bob the same', async () => {
  const alice = await cluster.meta.addUser('alice');
  const bob = await cluster.meta.addUser('bob');
  const base = cluster.meta.url;
  for (const [name, size, route] of metadataRoutes(base, bob)) await assertNoOracle(`split: ${name}`, alice, bob, size, route);
  await assertNoOracle('signed block-service PUT + confirm', alice, bob, 4 * MiB, throughUrl(base, 'inhouse'));
  await assertNoOracle('signed block-service PUT + confirm, small block', alice, bob, 2000, throughUrl(base, 'inhouse'));
  await assertNoOracle('presigned S3 PUT + confirm', alice, bob, 4 * MiB, throughUrl(base, 's3'));
});

test('s3 placement: the metadata routes and a presigned S3 upload answer bob the same', async () => {
  const alice = await cluster.meta.addUser('alice-eu');
  const bob = await cluster.meta.addUser('bob-eu');
  for (const user of ['alice-eu', 'bob-eu']) {
    const set = await runHsync(['server', 'namespace', 'set-placement', user, 's3', '--data', cluster.meta.dataDir]);
    assert.equal(set.code, 0, set.stderr);
  }
  const base = cluster.meta.url;
  for (const [name, size, route] of metadataRoutes(base, bob)) await assertNoOracle(`s3 placement: ${name}`, alice, bob, size, route);
  await assertNoOracle('s3 placement: presigned S3 PUT + confirm', alice, bob, 4 * MiB, throughUrl(base, 's3'));
});
