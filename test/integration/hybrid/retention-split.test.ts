// Retention in split mode (docs/hybrid-storage.md "Retention", docs/protocol.md "Block
// service"): the metadata service's sweep frees the block service's copies of blocks no
// revision uses, with a DELETE grant only it can sign. A DELETE without one (a client's
// token, a forged or expired grant, another method's grant) is refused and deletes nothing;
// one for a block written moments ago is answered "kept".
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BLOCK_SIZE, type BlockHash } from '../../../shared/common/blocks.js';
import { blockHashOf } from '../../../shared/node/blocks/content-hash.js';
import { grantUrl, type GrantMethod } from '../../../server/signing/block-grant.js';
import { readSecret } from '../../../server/signing/secret-file.js';
import type { ServerProcess } from '../../helpers/server-process.js';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { device, syncCli, type Device } from '../../helpers/hybrid-devices.js';
import { randomish, removeDirs } from '../../helpers/sync-client.js';
import { waitFor } from '../../helpers/wait-for.js';

let cluster: HybridCluster;
let swept: ServerProcess | null = null;
let token: string;
let laptop: Device;
const dirs: string[] = [];
const unique = randomish(BLOCK_SIZE, 21);
const shared = randomish(BLOCK_SIZE, 22);
const changed = randomish(BLOCK_SIZE, 23);

before(async () => {
  cluster = await startHybridCluster();
  token = await cluster.meta.addUser('home');
  laptop = await device('retention-split-a', token);
  dirs.push(laptop.root, laptop.state);
  // report.bin v1 is unique + shared; v2 changes the first block only.
  await writeFile(join(laptop.root, 'report.bin'), Buffer.concat([unique, shared]));
  await writeFile(join(laptop.root, 'small.txt'), 'the old small file\n');
  assert.equal((await syncCli(cluster.meta.url, laptop)).code, 0);
  await writeFile(join(laptop.root, 'report.bin'), Buffer.concat([changed, shared]));
  await writeFile(join(laptop.root, 'small.txt'), 'the new small file\n');
  assert.equal((await syncCli(cluster.meta.url, laptop)).code, 0);
});
after(async () => {
  await swept?.dispose();
  await cluster?.dispose();
  await removeDirs(...dirs);
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const nowSec = () => Math.floor(Date.now() / 1000);

function signed(method: GrantMethod, hash: string, key = readSecret(cluster.secretFile), expiresAt = nowSec() + 60): string {
  return grantUrl(cluster.blockServiceUrl, key, { method, hash: hash as BlockHash, expiresAt });
}

async function del(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'DELETE', headers });
  return { status: res.status, body: await res.text() };
}

test('a DELETE on the block service without the metadata service\'s grant is refused, and the block stays', async () => {
  const hash = blockHashOf(unique);
  assert.ok((await cluster.blockServiceHashes()).has(hash));
  const bare = new URL(`/v1/blocks/${hash}`, cluster.blockServiceUrl).toString();
  const refusals = {
    'a client token': await del(bare, { authorization: `Bearer ${token}` }),
    'a forged grant': await del(signed('DELETE', hash, Buffer.alloc(32, 7))),
    'an expired grant': await del(signed('DELETE', hash, undefined, nowSec() - 5)),
    'a GET grant (as clients get)': await del(signed('GET', hash)),
    'a PUT grant (as clients get)': await del(signed('PUT', hash)),
  };
  for (const [what, answer] of Object.entries(refusals)) {
    assert.equal(answer.status, 403, `${what}: ${answer.body}`);
  }
  assert.match(refusals['a client token'].body, /unsigned request/);
  assert.match(refusals['a forged grant'].body, /bad signature|unknown signing key/);
  assert.match(refusals['an expired grant'].body, /grant expired/);
  assert.ok((await cluster.blockServiceHashes()).has(hash), 'nothing was deleted');
});

test('a granted DELETE of a block written moments ago is answered "kept": an upload may have raced the sweep', async () => {
  const hash = blockHashOf(changed);
  const answer = await del(signed('DELETE', hash));
  assert.equal(answer.status, 200, answer.body);
  assert.deepEqual(JSON.parse(answer.body), { hash, freed: false });
  assert.ok((await cluster.blockServiceHashes()).has(hash));
});

test('after the retention, the block service no longer holds the blocks only old revisions used; live files download byte-exact', async () => {
  const held = await cluster.blockServiceHashes();
  const oldSmall = blockHashOf(Buffer.from('the old small file\n'));
  for (const hash of [unique, shared, changed].map(blockHashOf).concat(oldSmall)) assert.ok(held.has(hash));
  // An hour later for the block service (it forgets its recent writes when restarted), a
  // month and a day later for the metadata service's sweep.
  await cluster.blocks.restart();
  swept = await cluster.metaLater(31 * 24 * 3600_000);
  await waitFor(() => /retention: \d+ revisions/.test(swept!.stderr()), () => `a retention pass: ${swept!.stderr()}`);
  assert.match(swept.stderr(), /retention: 2 revisions older than 30 days dropped; 2 blocks /);
  assert.doesNotMatch(swept.stderr(), /the in-house store kept/);

  const after = await cluster.blockServiceHashes();
  assert.ok(!after.has(blockHashOf(unique)), 'the block only report.bin v1 used is freed on the block service');
  assert.ok(!after.has(oldSmall), 'so is the old small file\'s');
  assert.ok(after.has(blockHashOf(shared)) && after.has(blockHashOf(changed)), 'the live file\'s blocks stay');

  const desk = await device('retention-split-b', token);
  dirs.push(desk.root, desk.state);
  const down = await syncCli(swept.url, desk);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(sha256(await readFile(join(desk.root, 'report.bin'))), sha256(Buffer.concat([changed, shared])));
  assert.equal(await readFile(join(desk.root, 'small.txt'), 'utf8'), 'the new small file\n');
});
