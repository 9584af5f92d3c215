// Abuse of the block service's signed URLs against real processes (--role meta + --role
// blocks): a PUT URL the metadata service issued to bob, tampered with (hash, namespace or
// expiry changed), expired, replayed for another hash, namespace or method, or naming an
// unknown key, is refused with 403 and stores nothing: no block file, no upload mark. The
// unsigned, random-signature and bearer-token cases are in routes-auth.test.ts, the unit
// checks of the grant in test/unit/hybrid/block-grant.test.ts. Presigned S3 URLs are not
// tested here: s3rver does not check SigV4 signatures (docs/hybrid-storage.md).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { grantUrl, MAX_GRANT_SEC, type BlockGrant } from '../../../server/signing/block-grant.js';
import { readSecret } from '../../../server/signing/secret-file.js';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { call } from '../server/http.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex') as BlockHash;
const nowSec = () => Math.floor(Date.now() / 1000);
let cluster: HybridCluster;
let alice: string;
let bob: string;

before(async () => {
  cluster = await startHybridCluster();
  [alice, bob] = await Promise.all([cluster.meta.addUser('alice'), cluster.meta.addUser('bob')]);
});
after(async () => {
  await cluster?.dispose();
});

/** A PUT URL the metadata service issues to `token` for `hash`. */
async function putUrl(token: string, hash: string): Promise<URL> {
  const res = await call(cluster.meta.url, 'POST', '/v1/blocks/urls', token, { op: 'put', hashes: [hash], tier: 'inhouse' });
  assert.equal(res.status, 200);
  return new URL(res.json().urls[0].url);
}

const exists = (path: string) => stat(path).then(() => true, () => false);
const blockFile = (hash: string) => join(cluster.blocks.dataDir, 'blocks', hash.slice(0, 2), hash);
const markFile = (ns: string, hash: string) => join(cluster.blocks.dataDir, 'uploads', ns, hash);

/** `url` with its query parameter `name` set to `value`. */
function withParam(url: URL, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

/** A refused request: 403 forbidden, and neither the block nor a mark for it appears. */
async function assertRefused(what: string, method: string, url: string, body: Buffer | undefined, hash: string, namespaces: string[]): Promise<void> {
  const res = await rawRequest(method, url, body);
  assert.equal(res.status, 403, `${what}: ${res.status} ${res.body}`);
  assert.equal(JSON.parse(res.body.toString()).error.code, 'forbidden', what);
  assert.equal(await exists(blockFile(hash)), false, `${what}: the block was stored`);
  for (const ns of namespaces) assert.equal(await exists(markFile(ns, hash)), false, `${what}: an upload mark for namespace ${ns}`);
}

test('a tampered, expired, replayed or unknown-key block-service URL is refused and stores nothing', async () => {
  const key = readSecret(cluster.secretFile);
  const bytes = randomBytes(1000);
  const hash = sha(bytes);
  const other = randomBytes(1000);
  const otherHash = sha(other);
  const bobs = await putUrl(bob, hash);
  const bobNs = bobs.searchParams.get('ns')!;
  const aliceNs = (await putUrl(alice, otherHash)).searchParams.get('ns')!;
  assert.ok(bobNs && aliceNs && bobNs !== aliceNs, 'each grant names its namespace');
  const both = [bobNs, aliceNs];
  const signed = (grant: Partial<BlockGrant>) => grantUrl(cluster.blockServiceUrl, key, { method: 'PUT', hash, expiresAt: nowSec() + 60, ...grant });

  await assertRefused('hash swapped in the path (bytes of that hash)', 'PUT', bobs.toString().replace(hash, otherHash), other, otherHash, both);
  await assertRefused("namespace swapped to alice's", 'PUT', withParam(bobs, 'ns', aliceNs), bytes, hash, both);
  await assertRefused('namespace removed', 'PUT', (() => {
    const u = new URL(bobs);
    u.searchParams.delete('ns');
    return u.toString();
  })(), bytes, hash, both);
  await assertRefused('expiry extended by 100 s', 'PUT', withParam(bobs, 'exp', String(Number(bobs.searchParams.get('exp')) + 100)), bytes, hash, both);
  await assertRefused('expired (signed with the real key)', 'PUT', signed({ expiresAt: nowSec() - 1, namespace: bobNs }), bytes, hash, both);
  await assertRefused('lasting past the 24 h cap (signed with the real key)', 'PUT', signed({ expiresAt: nowSec() + MAX_GRANT_SEC + 600, namespace: bobNs }), bytes, hash, both);
  await assertRefused('an unknown key id', 'PUT', withParam(bobs, 'kid', 'deadbeef'), bytes, hash, both);
  const foreign = randomBytes(32);
  await assertRefused('signed with a key the service does not hold', 'PUT', grantUrl(cluster.blockServiceUrl, foreign, { method: 'PUT', hash, expiresAt: nowSec() + 60, namespace: bobNs }), bytes, hash, both);
  await assertRefused('a PUT grant replayed as CONFIRM', 'POST', bobs.toString(), undefined, hash, both);

  // The URL as issued works: bob's bytes are stored and marked for bob alone.
  assert.equal((await rawRequest('PUT', bobs.toString(), bytes)).status, 201);
  assert.equal(await exists(blockFile(hash)), true);
  assert.equal(await exists(markFile(bobNs, hash)), true);
  assert.equal(await exists(markFile(aliceNs, hash)), false);

  // Replayed after use: for another hash, or with alice's namespace; nothing new appears.
  await assertRefused('used URL replayed for another hash', 'PUT', bobs.toString().replace(hash, otherHash), other, otherHash, both);
  const replayed = await rawRequest('PUT', withParam(bobs, 'ns', aliceNs), bytes);
  assert.equal(replayed.status, 403, 'used URL replayed for alice');
  assert.equal(await exists(markFile(aliceNs, hash)), false, 'no mark for alice');
  // Alice cannot confirm the block bob uploaded: she never sent its bytes.
  const confirm = await call(cluster.meta.url, 'POST', '/v1/blocks/confirm', alice, { tier: 'inhouse', blocks: [{ hash, size: bytes.length }] });
  assert.deepEqual(confirm.json(), { confirmed: [], missing: [hash] });
});
