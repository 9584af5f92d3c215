// Big files arrive while they are still being uploaded: B hears of A's upload under way
// (GET /v1/pending through the long-poll), fetches its blocks as they land into its download
// temp file, and once A's commit lands B's downloader takes that file over. Real server
// process, real folders; A's uploads are slowed so the overlap is certain, not a race.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BLOCK_SIZE, type BlockHash } from '../../../shared/common/blocks.js';
import { hashFile } from '../../../shared/node/blocks/chunker.js';
import { randomish, syncFixture, type TestClient } from '../../helpers/sync-client.js';
import { waitFor } from '../../helpers/wait-for.js';

const MiB = 1024 * 1024;
const fx = syncFixture();

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A long-running B: long-poll on, no watcher, no periodic rescan during the test. */
async function startListening(b: TestClient): Promise<void> {
  await b.sync();
  await b.engine.start();
  await waitFor(() => b.engine.getStatus().lastSyncedAt !== null, 'B to settle');
}

/** A's new file at `path`, committed and uploaded by hand: its bytes, the put change, and one block's upload. */
async function byHand(a: TestClient, path: string, length: number, seed: number) {
  const data = randomish(length, seed);
  await a.write(path, data);
  const { blocks, size } = await hashFile(join(a.root, path));
  const hashes = blocks.map((x) => x.hash) as BlockHash[];
  const put = { kind: 'put' as const, path, parentRev: null, size, mtime: Date.now(), blocks: hashes };
  const upload = (i: number) => a.remote.putBlock(hashes[i], data.subarray(i * BLOCK_SIZE, Math.min(size, (i + 1) * BLOCK_SIZE)));
  return { data, hashes, put, upload };
}

/** Waits for `path` on B to hold `data`, with B's cycle over. */
async function arrives(b: TestClient, path: string, data: Buffer): Promise<void> {
  const abs = join(b.root, path);
  await waitFor(async () => (await stat(abs).catch(() => null))?.size === data.length, `${path} on B`);
  await waitFor(() => b.engine.getStatus().state === 'idle', 'B to finish its cycle');
  assert.equal(sha(await readFile(abs)), sha(data), 'B holds A\'s bytes');
}

async function tempFiles(root: string): Promise<string[]> {
  return readdir(join(root, '.hsync', 'tmp')).catch(() => [] as string[]);
}

test('a multi-block file is fetched by B while A still uploads it, and arrives byte-exact without a block fetched twice', async () => {
  const [a, b] = await fx.pair();
  await startListening(b);
  const data = randomish(12 * MiB + 777, 1);
  await a.write('media/clip.mov', data);
  // A's block uploads go one at a time, slowly; note what B had when A's final commit went out.
  const putBlock = a.remote.putBlock;
  let turn = Promise.resolve();
  let puts = 0;
  let midway: ReturnType<typeof b.engine.getStatus> | null = null;
  a.remote.putBlock = (hash, bytes) => {
    const mine = turn.then(async () => {
      if (++puts === 3) midway = b.engine.getStatus();
      await new Promise((r) => setTimeout(r, 300));
      await putBlock.call(a.remote, hash, bytes);
    });
    turn = mine.catch(() => undefined);
    return mine;
  };
  const commit = a.remote.commit;
  let commits = 0;
  let prefetchedAtFinalCommit = -1;
  a.remote.commit = async (device, changes) => {
    if (++commits === 2) prefetchedAtFinalCommit = b.engine.prefetcher.stats.blocks;
    return commit.call(a.remote, device, changes);
  };
  await a.sync();
  assert.equal(commits, 2, 'A committed, uploaded its blocks, and committed again');
  // Each block is there 300 ms before the next: B has most of them; at least one under any load.
  assert.ok(prefetchedAtFinalCommit >= 1, `B fetched blocks before A's final commit (it had ${prefetchedAtFinalCommit} of 4)`);
  // Meanwhile B's status said what it was doing: one file coming down, part of it still to come.
  const seen = midway as ReturnType<typeof b.engine.getStatus> | null;
  assert.equal(seen?.state, 'syncing');
  assert.equal(seen?.pending.down.files, 1);
  assert.ok(seen!.pending.down.bytes > 0 && seen!.pending.down.bytes < data.length, `${seen?.pending.down.bytes} bytes left`);
  assert.match(seen!.summary, /^Syncing 1 file, /);

  await arrives(b, 'media/clip.mov', data);
  assert.equal(b.blocks.down, 4, 'each of the 4 blocks crossed the wire once: the downloader took over the prefetched ones');
  assert.equal(b.engine.prefetcher.stats.started, 1);
  assert.deepEqual(await tempFiles(b.root), [], 'the temp file became the file');
  assert.deepEqual(b.engine.getStatus().problems, []);
});

test('an upload that never completes leaves no file in view on B; its blocks are resumed from the temp file when it does', async () => {
  const [a, b] = await fx.pair();
  await startListening(b);
  const { data, put, upload } = await byHand(a, 'half.bin', 16 * MiB + 5, 2);
  // A "dies" after its first commit and two of its five blocks.
  const first = await a.remote.commit(a.device, [put]);
  assert.equal(first.results[0].status, 'need_blocks');
  for (const i of [0, 1]) await upload(i);
  await waitFor(() => b.engine.prefetcher.stats.blocks === 2, 'B to fetch the two uploaded blocks');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(b.engine.prefetcher.stats.blocks, 2, 'nothing more arrives');
  assert.deepEqual(await b.files(), [], 'nothing is in view on B');
  assert.equal((await tempFiles(b.root)).length, 1, 'the blocks wait in B\'s hidden temp file');
  // A stalled upload is not shown as syncing for as long as B keeps waiting for it.
  await waitFor(() => b.engine.getStatus().state === 'idle' && b.engine.getStatus().pending.down.files === 0, 'B to show the stalled upload as nothing to do', 5000);

  // A comes back (a restart) and finishes: B fetches only the three blocks it lacks.
  const again = await a.reopen();
  await again.sync();
  await arrives(b, 'half.bin', data);
  assert.equal(b.blocks.down, 5, 'the two prefetched blocks were not fetched again');
  assert.deepEqual(await tempFiles(b.root), []);
});

test('a paused B fetches nothing of an upload under way, stops a running prefetch, and resumes it without fetching a block twice', async () => {
  const [a, b] = await fx.pair();
  await startListening(b);
  const { data, put, upload } = await byHand(a, 'paused.bin', 16 * MiB + 9, 4);
  const quietFor = async (ms: number, blocks: number, what: string) => {
    await new Promise((r) => setTimeout(r, ms));
    assert.equal(b.engine.prefetcher.stats.blocks, blocks, what);
  };

  await b.engine.pause();
  assert.equal((await a.remote.commit(a.device, [put])).results[0].status, 'need_blocks');
  await upload(0);
  await upload(1);
  await quietFor(700, 0, 'paused: nothing fetched');
  assert.deepEqual(await tempFiles(b.root), [], 'paused: no temp file either');

  await b.engine.resume();
  await waitFor(() => b.engine.prefetcher.stats.blocks === 2, 'B to fetch the two uploaded blocks once resumed');
  // The prefetch now waits for more blocks; pausing ends it.
  await b.engine.pause();
  await upload(2);
  await quietFor(700, 2, 'paused again: the third block is not fetched');

  await b.engine.resume();
  await waitFor(() => b.engine.prefetcher.stats.blocks === 3, 'B to fetch the third block');
  await upload(3);
  await upload(4);
  assert.equal((await a.remote.commit(a.device, [put])).results[0].status, 'committed');
  await arrives(b, 'paused.bin', data);
  assert.equal(b.blocks.down, 5, 'each block crossed the wire once');
});

test('a wrong block from the server is refused by the prefetch and the download; nothing is assembled from it', async () => {
  const [a, b] = await fx.pair();
  await startListening(b);
  const { data, hashes, put, upload } = await byHand(a, 'bad.bin', 8 * MiB + 100, 3);
  // The first block is stored, then rots on the server's disk, before the upload is announced.
  await upload(0);
  const stored = join(fx.server.dataDir, 'blocks', hashes[0].slice(0, 2), hashes[0]);
  const rotten = Buffer.from(await readFile(stored));
  rotten[1000] ^= 0xff;
  await writeFile(stored, rotten);
  assert.equal((await a.remote.commit(a.device, [put])).results[0].status, 'need_blocks');
  for (const i of [1, 2]) await upload(i);
  await waitFor(() => b.engine.prefetcher.stats.blocks === 2, 'B to fetch the two good blocks');
  // B's read of the rotten block failed the server's hash check: the server now wants it back.
  await waitFor(async () => (await a.remote.wantedBlocks()).includes(hashes[0]), 'the server to refuse B the rotten block');
  assert.equal(b.engine.prefetcher.stats.blocks, 2, 'the rotten block was refused');

  assert.equal((await a.remote.commit(a.device, [put])).results[0].status, 'committed');
  const problem = () => b.engine.getStatus().problems.find((p) => p.path === 'bad.bin');
  await waitFor(() => problem() !== undefined, 'B to report the file');
  assert.equal(problem()!.code, 'hash_mismatch');
  assert.deepEqual(await b.files(), [], 'no file assembled from a wrong block');
  const [part] = await tempFiles(b.root);
  const temp = await readFile(join(b.root, '.hsync', 'tmp', part));
  assert.ok(!temp.subarray(0, BLOCK_SIZE).equals(rotten), 'the wrong bytes were never written');
  assert.ok(temp.subarray(BLOCK_SIZE, 2 * BLOCK_SIZE).equals(data.subarray(BLOCK_SIZE, 2 * BLOCK_SIZE)), 'the good blocks were');
});
