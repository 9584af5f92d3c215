// The standalone block service (--role blocks): only signed requests get in, a grant is
// good for one method on one block until it expires, and a corrupt copy is never served.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { grantUrl, type BlockGrant } from '../../../server/signing/block-grant.js';
import { startBlockService, type RunningBlockService } from '../../../server/tiers/block-service.js';
import { RemoteInhouse } from '../../../server/tiers/remote-inhouse.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { tempDir } from '../../helpers/temp-dir.js';

const key = randomBytes(32);
const dataDir = tempDir('hsync-blocks-');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex') as BlockHash;
let service: RunningBlockService;
let store: RemoteInhouse;
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  service = await startBlockService({ dataDir, key, port: 0 });
  store = new RemoteInhouse(service.url, key);
});
after(async () => {
  store.close();
  await service.close();
});

const url = (g: Partial<BlockGrant> & { hash: BlockHash }) =>
  grantUrl(service.url, key, { method: 'GET', expiresAt: now() + 60, ...g });
const onDisk = (hash: string) => join(dataDir, 'blocks', hash.slice(0, 2), hash);

test('signed PUT stores the exact bytes; signed GET and HEAD read them', async () => {
  const bytes = randomBytes(4 * 1024 * 1024);
  const hash = sha(bytes);
  assert.equal((await rawRequest('PUT', url({ hash, method: 'PUT' }), bytes)).status, 201);
  assert.equal(sha(readFileSync(onDisk(hash))), hash);
  const got = await rawRequest('GET', url({ hash }));
  assert.equal(got.status, 200);
  assert.equal(sha(got.body), hash);
  assert.equal(await store.head(hash), bytes.length);
  assert.equal(sha(await store.read(hash, null)), hash);
});

test('refused: unsigned, expired, tampered, for another block, for another method', async () => {
  const bytes = randomBytes(100);
  const hash = sha(bytes);
  await store.write(hash, bytes);
  const other = sha(randomBytes(100));
  const good = new URL(url({ hash }));
  const cases: [string, string][] = [
    ['unsigned', `${service.url}/v1/blocks/${hash}`],
    ['expired', url({ hash, expiresAt: now() - 1 })],
    ['tampered expiry', (() => {
      const u = new URL(good);
      u.searchParams.set('exp', String(now() + 3600));
      return u.toString();
    })()],
    ['other block', good.toString().replace(hash, other)],
    ['PUT grant used for GET', url({ hash, method: 'PUT' })],
  ];
  for (const [name, target] of cases) {
    const res = await rawRequest('GET', target);
    assert.equal(res.status, 403, name);
    assert.equal(JSON.parse(res.body.toString()).error.code, 'forbidden', name);
  }
  const put = await rawRequest('PUT', url({ hash: other, method: 'GET' }), randomBytes(100));
  assert.equal(put.status, 403, 'a GET grant cannot upload');
});

test('bytes that do not match the hash are refused and nothing is stored', async () => {
  const hash = sha(randomBytes(50));
  const res = await rawRequest('PUT', url({ hash, method: 'PUT' }), randomBytes(50));
  assert.equal(res.status, 422);
  assert.equal(await store.head(hash), null);
});

test('a corrupt copy is never served, and a PUT of the right bytes replaces it', async () => {
  const bytes = randomBytes(70_000);
  const hash = sha(bytes);
  await store.write(hash, bytes);
  const bad = Buffer.from(bytes);
  bad[500] ^= 0x10;
  writeFileSync(onDisk(hash), bad);
  const res = await rawRequest('GET', url({ hash }));
  assert.equal(res.status, 422);
  assert.notEqual(sha(res.body), sha(bad), 'no stored bytes in the answer');
  await assert.rejects(store.read(hash, null), { code: 'hash_mismatch' });
  await store.write(hash, bytes);
  assert.equal(sha(readFileSync(onDisk(hash))), hash);
});

test('a dead block service is unavailable to the metadata side', async () => {
  const dead = new RemoteInhouse('http://127.0.0.1:9', key, { timeoutMs: 1000 });
  await assert.rejects(dead.read(sha(Buffer.from('x')), null), { code: 'unavailable' });
  assert.equal(await dead.healthy(), false);
  assert.equal(await store.healthy(), true);
  dead.close();
});
