// The S3 tier against s3rver: every write is read back from s3rver's own disk and hashed,
// since s3rver stores whatever body arrives (an aws-chunked body would land verbatim).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { s3ConfigFrom } from '../../../server/tiers/s3-config.js';
import { S3Tier } from '../../../server/tiers/s3-tier.js';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverPeer } from '../../helpers/s3rver.js';
import { rawRequest } from '../../helpers/raw-http.js';

Object.assign(process.env, S3RVER_CREDENTIALS);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex') as BlockHash;

let peer: S3rverPeer;
let tier: S3Tier;

before(async () => {
  peer = await startS3rver();
  const config = s3ConfigFrom({
    's3-endpoint': peer.endpoint,
    's3-region': peer.region,
    's3-bucket': peer.bucket,
    's3-prefix': 'team',
    's3-path-style': true,
  });
  assert.ok(config);
  tier = new S3Tier(config);
});
after(async () => {
  tier.close();
  await peer.stop();
});

test('a full 4 MiB block reaches S3 as its plain bytes at <prefix>blocks/<hash>', async () => {
  const bytes = randomBytes(4 * 1024 * 1024);
  const hash = sha(bytes);
  await tier.put(hash, bytes);
  assert.equal(tier.key(hash), `team/blocks/${hash}`);
  const stored = await peer.storedObject(tier.key(hash), bytes.length);
  assert.equal(stored.length, bytes.length);
  assert.equal(sha(stored), hash);
  assert.equal(await tier.head(hash), bytes.length);
  assert.equal(sha(await tier.get(hash)), hash);
});

test('put refuses bytes that do not match the hash and stores nothing', async () => {
  const bytes = randomBytes(1000);
  const wrong = sha(randomBytes(10));
  await assert.rejects(tier.put(wrong, bytes), { code: 'hash_mismatch' });
  assert.equal(await tier.head(wrong), null);
});

test('absent blocks: head is null, get is not_found, delete is quiet', async () => {
  const hash = sha(randomBytes(32));
  assert.equal(await tier.head(hash), null);
  await assert.rejects(tier.get(hash), { code: 'not_found' });
  await tier.delete(hash);
});

test('S3 answering with other bytes is rejected as hash_mismatch', async () => {
  const bytes = randomBytes(5000);
  const hash = sha(bytes);
  await tier.put(hash, bytes);
  const flipped = Buffer.from(bytes);
  flipped[1234] ^= 0x01;
  writeFileSync(peer.objectPath(tier.key(hash)), flipped);
  await assert.rejects(tier.get(hash), { code: 'hash_mismatch' });
  writeFileSync(peer.objectPath(tier.key(hash)), bytes.subarray(0, 100));
  await assert.rejects(tier.get(hash), { code: 'hash_mismatch' });
});

test('presigned PUT and GET move plain bytes without credentials', async () => {
  const bytes = randomBytes(300_000);
  const hash = sha(bytes);
  const putUrl = await tier.presignPut(hash, 60, '7');
  assert.match(putUrl, /X-Amz-Signature=/);
  assert.doesNotMatch(putUrl, /x-amz-checksum|x-amz-sdk-checksum/i, 'no checksum the client would have to send');
  const put = await rawRequest('PUT', putUrl, bytes);
  assert.equal(put.status, 200);
  assert.equal(tier.stagingKey('7', hash), `team/staging/7/${hash}`, 'an upload lands staged, not at the block key');
  assert.equal(await tier.head(hash), null);
  const staged = await tier.getStaged('7', hash);
  assert.ok(staged);
  assert.equal(sha(staged), hash);
  await tier.put(hash, staged);
  await tier.deleteStaged('7', hash);
  assert.equal(await tier.getStaged('7', hash), null);
  assert.equal(sha(await peer.storedObject(tier.key(hash), bytes.length)), hash);
  const get = await rawRequest('GET', await tier.presignGet(hash, 60));
  assert.equal(get.status, 200);
  assert.equal(sha(get.body), hash);
});

test('list yields every block under the prefix with its size, and delete removes it', async () => {
  const blocks = [randomBytes(10), randomBytes(20), randomBytes(30)];
  for (const b of blocks) await tier.put(sha(b), b);
  const listed = new Map<string, number>();
  for await (const { hash, size } of tier.list()) listed.set(hash, size);
  for (const b of blocks) assert.equal(listed.get(sha(b)), b.length);
  await tier.delete(sha(blocks[0]));
  assert.equal(await tier.head(sha(blocks[0])), null);
});

test('an unreachable S3 is unavailable, not a crash', async () => {
  const dead = new S3Tier({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', bucket: 'x-bucket', prefix: '', pathStyle: true });
  dead.client.config.maxAttempts = async () => 1;
  await assert.rejects(dead.head(sha(Buffer.from('x'))), { code: 'unavailable' });
  dead.close();
});
