// Many small files arrive through batched block reads (POST /v1/blocks/get), byte-exact,
// with their mtimes; blocks a batch leaves out, or a server without the route, fall back
// to one read per block.

import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { SyncError } from '../../../shared/common/errors.js';
import { syncFixture, type TestClient } from '../../helpers/sync-client.js';

const fixture = syncFixture();

/** Counts single-block reads and batched requests on a client's remote. */
function countReads(client: TestClient): { single: number; batches: number } {
  const counts = { single: 0, batches: 0 };
  const { getBlock, getBlocks } = client.remote;
  client.remote.getBlock = (hash) => {
    counts.single++;
    return getBlock.call(client.remote, hash);
  };
  client.remote.getBlocks = (hashes) => {
    counts.batches++;
    return getBlocks.call(client.remote, hashes);
  };
  return counts;
}

async function writeMany(client: TestClient, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.alloc(100 + (i % 50) * 97, i % 251);
    bytes.writeUInt32BE(i, 0);
    await client.write(`${prefix}/d${i % 10}/f${i}.bin`, bytes);
  }
}

test('hundreds of small files arrive byte-exact through a few batched reads', async () => {
  const [a, b] = await fixture.pair();
  await writeMany(a, 'many', 600);
  // Same content under several names, an empty file, and one file too big for a batch.
  for (let i = 0; i < 5; i++) await a.write(`same/copy${i}.txt`, 'identical bytes');
  await a.write('empty.txt', '');
  await a.write('two-mib.bin', Buffer.alloc(2 * 1024 * 1024, 3));
  await a.sync();

  const reads = countReads(b);
  await b.sync();
  assert.deepEqual(await b.tree(), await a.tree());
  assert.equal((await b.files()).length, 607);
  // Only the 2 MiB file is read alone; 600 + 1 distinct small blocks take a few requests.
  assert.equal(reads.single, 1);
  assert.ok(reads.batches >= 1 && reads.batches <= 4, `${reads.batches} batched requests`);
  // The journal's mtime is set on every file placed from a batch.
  for (const path of ['many/d3/f3.bin', 'same/copy4.txt']) {
    const [ma, mb] = await Promise.all([stat(join(a.root, path)), stat(join(b.root, path))]);
    assert.equal(Math.round(mb.mtimeMs), Math.round(ma.mtimeMs), path);
  }
  // Nothing is left behind in the temp folder.
  assert.deepEqual(await b.files(), await a.files());
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual(await readdir(join(b.root, '.hsync', 'tmp')), []);
});

test('a block a batch leaves out, and a server without the route, fall back to single reads', async () => {
  const [a, b, token] = await fixture.pair();
  await writeMany(a, 'left', 40);
  await a.sync();
  // The batch answer loses one block (as for a block held by another tier).
  const { getBlocks } = b.remote;
  let dropped = '';
  b.remote.getBlocks = async (hashes) => {
    const found = await getBlocks.call(b.remote, hashes);
    dropped = hashes[7];
    found.delete(hashes[7]);
    return found;
  };
  const reads = countReads(b);
  await b.sync();
  assert.ok(dropped !== '');
  assert.equal(reads.single, 1);
  assert.deepEqual(await b.tree(), await a.tree());

  // A server that does not know the route (404): every block goes the single way.
  const c = await fixture.client(token, 'third');
  c.remote.getBlocks = async () => {
    throw new SyncError('not_found', 'POST /v1/blocks/get: no such route');
  };
  const cReads = countReads(c);
  await c.sync();
  assert.equal(cReads.single, 40);
  assert.deepEqual(await c.tree(), await a.tree());
});

test('a server gone in the middle of a batched read stops the cycle as offline, and the next one finishes', async () => {
  const [a, b] = await fixture.pair();
  await writeMany(a, 'offline', 30);
  await a.sync();
  const { getBlocks } = b.remote;
  b.remote.getBlocks = async () => {
    throw new SyncError('unavailable', 'POST /v1/blocks/get: server unreachable');
  };
  const outcome = await b.sync(true);
  assert.equal(outcome.agreed, false);
  assert.equal(b.engine.getStatus().state, 'offline');
  assert.deepEqual(await b.files(), []);
  b.remote.getBlocks = getBlocks;
  await b.sync();
  assert.deepEqual(await b.tree(), await a.tree());
});
