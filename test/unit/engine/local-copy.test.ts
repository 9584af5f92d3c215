// Filling a download's temp file from a local file in bulk: every block counted as done is
// checked against its hash, stale index hints are caught, a partial temp is resumed rather
// than overwritten, and a source worth little is not copied at all.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BLOCK_SIZE, type BlockHash, type BlockRef } from '../../../shared/common/blocks.js';
import { copyLocalRuns } from '../../../shared/node/engine/local-copy.js';
import type { BlockLocation } from '../../../shared/node/engine/index-store.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function refsOf(data: Buffer): BlockRef[] {
  const refs: BlockRef[] = [];
  for (let offset = 0; offset < data.length; offset += BLOCK_SIZE) {
    const bytes = data.subarray(offset, offset + BLOCK_SIZE);
    refs.push({ offset, size: bytes.length, hash: createHash('sha256').update(bytes).digest('hex') as BlockHash });
  }
  return refs;
}

/** A root holding `files`, an index that says where their blocks are, and a temp path. */
async function setup(files: Record<string, Buffer>, indexed: Record<string, Buffer> = files) {
  const root = await mkdtemp(join(tmpdir(), 'hsync-localcopy-'));
  dirs.push(root);
  await mkdir(join(root, '.hsync', 'tmp'), { recursive: true });
  for (const [name, data] of Object.entries(files)) await writeFile(join(root, name), data);
  const where = new Map<string, BlockLocation[]>();
  for (const [name, data] of Object.entries(indexed)) {
    refsOf(data).forEach((ref, index) => where.set(ref.hash, [...(where.get(ref.hash) ?? []), { path: name, index }]));
  }
  const counted: Record<string, number> = {};
  const sources = {
    fs: nodeFileSystem,
    root,
    locate: (hash: BlockHash) => where.get(hash) ?? [],
    onBlock: (bytes: number, source: string) => (counted[source] = (counted[source] ?? 0) + bytes),
  };
  return { root, sources, counted, temp: join(root, '.hsync', 'tmp', 'x.part') };
}

const size = 3 * BLOCK_SIZE + 1000;

test('a copy of a local file is copied whole and checked: nothing left to fetch', async () => {
  const data = randomBytes(size);
  const { root, sources, counted, temp } = await setup({ 'a.bin': data });
  await chmod(join(root, 'a.bin'), 0o600);
  const needed = await copyLocalRuns(temp, refsOf(data), sources);
  assert.deepEqual(needed, []);
  assert.ok((await readFile(temp)).equals(data));
  assert.equal(counted.local, size);
  // The temp gets a new download's mode, not the source's.
  assert.equal((await stat(temp)).mode & 0o777, 0o644 & ~process.umask());
});

test('one changed block: the rest is copied, that block is returned, the file is cut to size', async () => {
  const old = randomBytes(size + 1000); // the old file was longer: cut to size, its tail matches
  const now = Buffer.from(old.subarray(0, size));
  now[BLOCK_SIZE + 5] ^= 0xff;
  const { sources, counted, temp } = await setup({ 'a.bin': old });
  const refs = refsOf(now);
  const needed = await copyLocalRuns(temp, refs, sources);
  assert.deepEqual(needed, [refs[1]]);
  assert.equal((await stat(temp)).size, size);
  assert.equal(counted.local, size - BLOCK_SIZE);
});

test('a stale index (the source changed since it was indexed) is caught by the hash check', async () => {
  const data = randomBytes(size);
  const changed = Buffer.from(data);
  changed[2 * BLOCK_SIZE] ^= 1;
  const { sources, temp } = await setup({ 'a.bin': changed }, { 'a.bin': data });
  const refs = refsOf(data);
  assert.deepEqual(await copyLocalRuns(temp, refs, sources), [refs[2]]);
});

test('a partial temp from an earlier run is resumed, not overwritten by a source', async () => {
  const data = randomBytes(size);
  const { sources, counted, temp } = await setup({ 'a.bin': data });
  // Two good blocks, then garbage where the third should be.
  await writeFile(temp, Buffer.concat([data.subarray(0, 2 * BLOCK_SIZE), randomBytes(100)]));
  const refs = refsOf(data);
  assert.deepEqual(await copyLocalRuns(temp, refs, sources), [refs[2], refs[3]]);
  assert.equal(counted.partial, 2 * BLOCK_SIZE);
  assert.equal(counted.local, undefined);
});

test('nothing is copied when no local file holds a run of wanted blocks worth its size', async () => {
  const data = randomBytes(size);
  const shared = data.subarray(0, 2 * BLOCK_SIZE);
  // Holds two wanted blocks at the right offsets, but is mostly other bytes.
  const big = Buffer.concat([shared, randomBytes(3 * BLOCK_SIZE)]);
  const { sources, temp } = await setup({ 'big.bin': big, 'one.bin': data.subarray(0, BLOCK_SIZE) });
  assert.equal(await copyLocalRuns(temp, refsOf(data), sources), null);
  await assert.rejects(stat(temp), { code: 'ENOENT' });
});

test('a source that vanished after indexing leaves every block to fetch', async () => {
  const data = randomBytes(size);
  const { sources, temp } = await setup({}, { 'gone.bin': data });
  assert.equal(await copyLocalRuns(temp, refsOf(data), sources), null);
});
