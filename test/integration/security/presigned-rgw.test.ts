// Presigned S3 URLs against a store that checks SigV4: a real Ceph RADOS Gateway
// (scripts/ceph-dev.sh) as the server's public S3 tier (`--s3-endpoint` at RGW). A URL signed
// with a wrong secret, one whose key was changed (another block, another namespace's staging
// slot, the block's shared key) and an expired one are refused by the gateway itself with
// 403 and store nothing; a presigned PUT for one hash writes only its own staging key, and
// bytes of another block sent there are never confirmed. The untampered URL works (the
// control that shows each refusal is the signature's doing).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { cephSkipReason, startCephRgw, type CephRgw } from '../../helpers/ceph-rgw.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { call } from '../server/http.js';

const BUCKET = 'hsync-public';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('presigned S3 URLs on Ceph RGW', { skip: cephSkipReason() }, () => {
  let rgw: CephRgw;
  let server: ServerProcess;
  let alice: string;
  let bob: string;

  before(async () => {
    rgw = await startCephRgw();
    await rgw.createBucket(BUCKET);
    server = await startServerProcess({
      env: { AWS_ACCESS_KEY_ID: rgw.accessKey, AWS_SECRET_ACCESS_KEY: rgw.secretKey, AWS_REGION: rgw.region, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      args: ['--s3-endpoint', rgw.endpoint, '--s3-bucket', BUCKET, '--s3-region', rgw.region, '--s3-path-style', '--repatriate-every-sec', '0', '--scrub-rate-mb', '0'],
    });
    [alice, bob] = await Promise.all([server.addUser('alice'), server.addUser('bob')]);
  });
  after(async () => {
    await server?.dispose();
    await rgw?.stop();
  });

  /** The presigned S3 PUT URL the server issues to `token` for `hash`. */
  async function putUrl(token: string, hash: string): Promise<URL> {
    const res = await call(server.url, 'POST', '/v1/blocks/urls', token, { op: 'put', hashes: [hash], tier: 's3' });
    assert.equal(res.status, 200, JSON.stringify(res.json()));
    const [entry] = res.json().urls as { tier: string; url: string }[];
    assert.equal(entry.tier, 's3');
    return new URL(entry.url);
  }

  /** The URL's object key (path style: /<bucket>/<key>). */
  const keyOf = (url: URL) => decodeURIComponent(url.pathname.slice(`/${BUCKET}/`.length));
  /** `url` with its object key replaced by `key`, signature and all else untouched. */
  const withKey = (url: URL, key: string) => {
    const u = new URL(url);
    u.pathname = `/${BUCKET}/${key}`;
    return u.toString();
  };

  async function assertRefused(what: string, url: string, bytes: Buffer, keys: string[]): Promise<void> {
    const res = await fetch(url, { method: 'PUT', body: new Uint8Array(bytes) });
    const text = await res.text();
    assert.equal(res.status, 403, `${what}: ${res.status} ${text}`);
    for (const key of keys) assert.equal(await rgw.get(BUCKET, key), null, `${what}: ${key} was written`);
  }

  test('the issued URL works: the bytes land in the namespace staging slot and confirm records them', async () => {
    const bytes = randomBytes(70_000);
    const hash = sha(bytes);
    const url = await putUrl(alice, hash);
    assert.match(keyOf(url), new RegExp(`^staging/\\d+/${hash}$`));
    const res = await fetch(url, { method: 'PUT', body: new Uint8Array(bytes) });
    assert.equal(res.status, 200, await res.text());
    const confirm = await call(server.url, 'POST', '/v1/blocks/confirm', alice, { tier: 's3', blocks: [{ hash, size: bytes.length }] });
    assert.deepEqual(confirm.json(), { confirmed: [hash], missing: [] });
    assert.equal(await rgw.hashOf(BUCKET, `blocks/${hash}`), hash);
  });

  test('a URL signed with a wrong secret is refused by the store', async () => {
    const bytes = randomBytes(10_000);
    const hash = sha(bytes);
    const issued = await putUrl(alice, hash);
    const forger = rgw.clientWith(`${rgw.secretKey.slice(0, -1)}x`);
    try {
      const forged = await getSignedUrl(forger, new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(issued) }), { expiresIn: 300 });
      await assertRefused('wrong secret', forged, bytes, [keyOf(issued)]);
    } finally {
      forger.destroy();
    }
  });

  test('a tampered URL (another block, another namespace staging slot, the shared block key) is refused', async () => {
    const bytes = randomBytes(10_000);
    const hash = sha(bytes);
    const other = sha(randomBytes(32));
    const issued = await putUrl(alice, hash);
    const bobsSlot = keyOf(await putUrl(bob, hash));
    const aliceSlot = keyOf(issued);
    assert.notEqual(bobsSlot, aliceSlot);
    await assertRefused('another block', withKey(issued, aliceSlot.replace(hash, other)), bytes, [aliceSlot.replace(hash, other)]);
    await assertRefused("bob's staging slot", withKey(issued, bobsSlot), bytes, [bobsSlot]);
    await assertRefused('the block key itself', withKey(issued, `blocks/${hash}`), bytes, [`blocks/${hash}`]);
    const longer = new URL(issued);
    longer.searchParams.set('X-Amz-Expires', '604800');
    await assertRefused('a longer lifetime', longer.toString(), bytes, [aliceSlot]);
  });

  test('an expired URL is refused', async () => {
    const bytes = randomBytes(10_000);
    const key = keyOf(await putUrl(alice, sha(bytes)));
    // Signed with the right key an hour ago for 60 s: expired without waiting for it.
    const signer = rgw.clientWith(rgw.secretKey);
    try {
      const command = new PutObjectCommand({ Bucket: BUCKET, Key: key });
      const expired = await getSignedUrl(signer, command, { expiresIn: 60, signingDate: new Date(Date.now() - 3600_000) });
      await assertRefused('expired', expired, bytes, [key]);
      const fresh = await getSignedUrl(signer, command, { expiresIn: 60 });
      assert.equal((await fetch(fresh, { method: 'PUT', body: new Uint8Array(bytes) })).status, 200, 'the same key signed now is accepted');
    } finally {
      signer.destroy();
    }
  });

  test("a presigned PUT for one hash cannot write another block's key, and another block's bytes sent there are not confirmed", async () => {
    const mine = randomBytes(20_000);
    const theirs = randomBytes(20_000);
    const url = await putUrl(alice, sha(mine));
    const res = await fetch(url, { method: 'PUT', body: new Uint8Array(theirs) });
    assert.equal(res.status, 200, 'the store takes any bytes at the URL key');
    assert.equal(await rgw.get(BUCKET, `blocks/${sha(theirs)}`), null, 'nothing at the other block key');
    const confirm = await call(server.url, 'POST', '/v1/blocks/confirm', alice, {
      tier: 's3',
      blocks: [
        { hash: sha(mine), size: mine.length },
        { hash: sha(theirs), size: theirs.length },
      ],
    });
    assert.deepEqual(confirm.json().confirmed, []);
    assert.deepEqual(new Set(confirm.json().missing), new Set([sha(mine), sha(theirs)]));
    assert.equal(await rgw.get(BUCKET, keyOf(url)), null, 'the wrong bytes were deleted from the staging slot');
    assert.equal(await rgw.get(BUCKET, `blocks/${sha(mine)}`), null);
    assert.equal(await rgw.get(BUCKET, `blocks/${sha(theirs)}`), null);
  });
});
