// Poisoning, on every upload path: bob uploads garbage of the right size under the hash of
// a block first (through the route itself, or through an upload URL issued to him for that
// hash), then alice uploads the honest bytes. On every path the garbage is refused or never
// becomes the block, the honest bytes are what is stored, and alice's other device
// downloads them. Modes: one process; split (--role meta + --role blocks) with s3rver as the
// S3 tier; namespaces with `s3` placement.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { device, syncInProcess, type Device } from '../../helpers/hybrid-devices.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { batchBody, call } from '../server/http.js';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let single: ServerProcess;
let cluster: HybridCluster;
const devices: Device[] = [];
before(async () => {
  [single, cluster] = await Promise.all([startServerProcess(), startHybridCluster()]);
});
after(async () => {
  await Promise.all([single?.dispose(), cluster?.dispose()]);
  await Promise.all(devices.flatMap((d) => [rm(d.root, { recursive: true, force: true }), rm(d.state, { recursive: true, force: true })]));
});

/** Sends `bytes` under `hash` as `token`; resolves with what the uploader was told, for the assertions. */
type Upload = (base: string, token: string, hash: string, bytes: Buffer) => Promise<{ stored: boolean; answers: unknown[] }>;

const put: Upload = async (base, token, hash, bytes) => {
  const res = await call(base, 'PUT', `/v1/blocks/${hash}`, token, bytes);
  return { stored: res.status === 201, answers: [res.status] };
};

const batch: Upload = async (base, token, hash, bytes) => {
  const res = await call(base, 'POST', '/v1/blocks/batch', token, batchBody([{ hash, bytes }]));
  return { stored: res.status === 200, answers: [res.status] };
};

/** An upload URL from POST /v1/blocks/urls for `tier`, a PUT of the bytes on it, then confirm. */
const throughUrl =
  (tier: 'inhouse' | 's3'): Upload =>
  async (base, token, hash, bytes) => {
    const urls = await call(base, 'POST', '/v1/blocks/urls', token, { op: 'put', hashes: [hash], tier });
    assert.equal(urls.status, 200);
    const sent = await fetch(urls.json().urls[0].url, { method: 'PUT', body: new Uint8Array(bytes) });
    await sent.arrayBuffer();
    const confirm = await call(base, 'POST', '/v1/blocks/confirm', token, { tier, blocks: [{ hash, size: bytes.length }] });
    assert.equal(confirm.status, 200);
    return { stored: confirm.json().confirmed.includes(hash), answers: [sent.status, confirm.json()] };
  };

/** SHA-256 of every copy a single-process server keeps under `hash` (loose file or pack range). */
async function singleCopies(hash: string): Promise<string[]> {
  const db = new Database(join(single.dataDir, 'server.db'), { readonly: true, fileMustExist: true });
  let row: { size: number; pack: string | null; pack_offset: number | null } | undefined;
  try {
    row = db.prepare('SELECT size, pack, pack_offset FROM blocks WHERE hash = ?').get(hash) as typeof row;
  } finally {
    db.close();
  }
  const loose = await readFile(join(single.dataDir, 'blocks', hash.slice(0, 2), hash)).catch(() => null);
  const copies = loose ? [sha(loose)] : [];
  if (row?.pack) copies.push(sha((await readFile(join(single.dataDir, 'blocks', 'packs', row.pack))).subarray(row.pack_offset!, row.pack_offset! + row.size)));
  return copies;
}

/** SHA-256 of the block service's copy under `hash`, if any. */
async function blockServiceCopies(hash: string): Promise<string[]> {
  const bytes = await readFile(join(cluster.blocks.dataDir, 'blocks', hash.slice(0, 2), hash)).catch(() => null);
  return bytes ? [sha(bytes)] : [];
}

/** SHA-256 of every S3 copy under `hash`: the whole-block object and a packed range (staging excluded). */
async function s3Copies(hash: string): Promise<string[]> {
  const whole = await readFile(cluster.s3.objectPath(`blocks/${hash}`)).catch(() => null);
  const copies = whole ? [sha(whole)] : [];
  const at = (await cluster.s3Layout()).packedAt.get(hash);
  if (at) copies.push(sha((await readFile(at.file)).subarray(at.offset, at.offset + at.size)));
  return copies;
}

interface Path {
  base: () => string;
  upload: Upload;
  size: number;
  copies: (hash: string) => Promise<string[]>;
}

let users = 0;
async function poisonThenHonest(name: string, path: Path, placement: 'inhouse' | 's3' = 'inhouse'): Promise<void> {
  const base = path.base();
  const names = [`alice${++users}`, `bob${users}`];
  const server = base === single.url ? single : cluster.meta;
  const [alice, bob] = await Promise.all(names.map((n) => server.addUser(n)));
  if (placement === 's3') {
    for (const user of names) {
      const set = await runHsync(['server', 'namespace', 'set-placement', user, 's3', '--data', cluster.meta.dataDir]);
      assert.equal(set.code, 0, set.stderr);
    }
  }
  const honest = randomBytes(path.size);
  const hash = sha(honest);
  const garbage = randomBytes(path.size);

  const poisoned = await path.upload(base, bob, hash, garbage);
  assert.equal(poisoned.stored, false, `${name}: bob's garbage is refused (${JSON.stringify(poisoned.answers)})`);
  assert.deepEqual(await path.copies(hash), [], `${name}: nothing is stored under the hash after the garbage`);

  const sent = await path.upload(base, alice, hash, honest);
  assert.equal(sent.stored, true, `${name}: alice's honest upload is stored (${JSON.stringify(sent.answers)})`);
  const copies = await path.copies(hash);
  assert.ok(copies.length > 0 && copies.every((c) => c === hash), `${name}: every stored copy is the honest bytes`);

  // Alice commits a file made of the block; her other device downloads the honest bytes.
  const change = { kind: 'put', path: 'poisoned.bin', parentRev: null, size: honest.length, mtime: 1, blocks: [hash] };
  const committed = await call(base, 'POST', '/v1/commit', alice, { device: 'a', changes: [change] });
  assert.equal(committed.json().results[0].status, 'committed', `${name}: ${committed.body}`);
  const other = await device(`poison-${users}`, alice);
  devices.push(other);
  const synced = await syncInProcess(base, other);
  assert.equal(synced.code, 0, synced.stderr);
  assert.equal(sha(await readFile(join(other.root, 'poisoned.bin'))), hash, `${name}: the other device has the honest bytes`);
  // Bob's refused upload gave him nothing to read.
  assert.equal((await call(base, 'GET', `/v1/blocks/${hash}`, bob)).status, 404, `${name}: bob owns nothing`);
}

test('one process: garbage first through PUT /v1/blocks/<hash> and POST /v1/blocks/batch, then the honest upload wins', async () => {
  await poisonThenHonest('PUT', { base: () => single.url, upload: put, size: 2 * MiB, copies: singleCopies });
  await poisonThenHonest('batch', { base: () => single.url, upload: batch, size: 3000, copies: singleCopies });
});

test('split mode: garbage first through a signed block-service PUT URL (and the metadata PUT and batch), then the honest upload wins', async () => {
  await poisonThenHonest('signed block-service PUT + confirm', { base: () => cluster.meta.url, upload: throughUrl('inhouse'), size: 4 * MiB, copies: blockServiceCopies });
  await poisonThenHonest('split PUT', { base: () => cluster.meta.url, upload: put, size: 2 * MiB, copies: blockServiceCopies });
  await poisonThenHonest('split batch', { base: () => cluster.meta.url, upload: batch, size: 3000, copies: blockServiceCopies });
});

test('S3 tier: garbage first through a presigned S3 PUT + confirm, then the honest upload wins', async () => {
  await poisonThenHonest('presigned S3 PUT + confirm', { base: () => cluster.meta.url, upload: throughUrl('s3'), size: 4 * MiB, copies: s3Copies });
});

test('s3 placement: garbage first through PUT /v1/blocks/<hash> and POST /v1/blocks/batch, then the honest upload wins', async () => {
  await poisonThenHonest('s3-placement PUT', { base: () => cluster.meta.url, upload: put, size: 2 * MiB, copies: s3Copies }, 's3');
  await poisonThenHonest('s3-placement batch', { base: () => cluster.meta.url, upload: batch, size: 3000, copies: s3Copies }, 's3');
});
