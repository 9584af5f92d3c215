// Bytes kept from hashing are the exact bytes behind the snapshot's block, handed over once,
// bounded, only when asked for, and dropped before the next scan; the uploader sends them
// instead of re-reading a file that has changed since.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import type { RemoteStore } from '../../../shared/node/remote/remote-store.js';
import { hashSnapshot } from '../../../shared/node/engine/hash-snapshot.js';
import { engineDisk } from '../../../shared/node/engine/engine-disk.js';
import { KEEP_MAX } from '../../../shared/node/engine/kept-bytes.js';
import { nodeFileSystem as fs } from '../../../shared/node/fs/node-file-system.js';
import { pushChanges } from '../../../shared/node/engine/uploader.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
let disk = engineDisk();
beforeEach(() => {
  disk = engineDisk();
});

async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'hsync-kept-'));
  dirs.push(d);
  return d;
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('a small file hashed with keep hands its exact bytes over once', async () => {
  const content = randomBytes(4096);
  const path = join(await dir(), 'a.bin');
  await writeFile(path, content);
  const snapshot = await hashSnapshot(fs, path, { keep: disk.kept });
  assert.ok(snapshot);
  assert.equal(disk.kept.size(), 4096);
  const bytes = disk.kept.take(snapshot.blocks[0]);
  assert.ok(bytes);
  assert.deepEqual(bytes, content);
  assert.equal(sha(bytes), snapshot.blocks[0].hash);
  assert.equal(disk.kept.take(snapshot.blocks[0]), undefined);
  assert.equal(disk.kept.size(), 0);
});

test('without keep, for files over KEEP_MAX, and after a drop, nothing is kept', async () => {
  const d = await dir();
  await writeFile(join(d, 'small.bin'), randomBytes(100));
  await writeFile(join(d, 'big.bin'), randomBytes(KEEP_MAX + 1));
  const plain = await hashSnapshot(fs, join(d, 'small.bin'));
  const big = await hashSnapshot(fs, join(d, 'big.bin'), { keep: disk.kept });
  assert.ok(plain && big);
  assert.equal(disk.kept.take(plain.blocks[0]), undefined);
  assert.equal(disk.kept.take(big.blocks[0]), undefined);
  const kept = await hashSnapshot(fs, join(d, 'small.bin'), { keep: disk.kept });
  assert.ok(kept);
  disk.kept.drop();
  assert.equal(disk.kept.take(kept.blocks[0]), undefined);
});

test('the budget bounds what is kept (48 MiB)', () => {
  const chunk = Buffer.alloc(KEEP_MAX);
  for (let i = 0; i < 800; i++) disk.kept.keep({ offset: 0, size: chunk.length, hash: String(i) as BlockHash }, chunk);
  assert.equal(disk.kept.size(), 768 * KEEP_MAX);
});

test('the uploader sends the hashed moment, not bytes written after the scan', async () => {
  const d = await dir();
  const first = Buffer.alloc(4096, 1);
  await writeFile(join(d, 'f.bin'), first);
  const snapshot = await hashSnapshot(fs, join(d, 'f.bin'), { keep: disk.kept });
  assert.ok(snapshot);
  await writeFile(join(d, 'f.bin'), Buffer.alloc(4096, 2)); // changed after the scan
  const sent: { hash: BlockHash; bytes: Uint8Array }[] = [];
  let commits = 0;
  const remote = {
    async commit() {
      commits++;
      if (commits === 1) return { results: [{ status: 'need_blocks', missing: [snapshot.blocks[0].hash] }], cursor: 0 };
      return { results: [{ status: 'committed', entry: { path: 'f.bin' } }], cursor: 1 };
    },
    async putBlocks(list: { hash: BlockHash; bytes: Uint8Array }[]) {
      sent.push(...list);
    },
  } as unknown as RemoteStore;
  const change = { kind: 'put' as const, path: 'f.bin', parentRev: null, size: 4096, mtime: Math.round(snapshot.mtime), blocks: [snapshot.blocks[0].hash] };
  const [outcome] = await pushChanges([{ change, blocks: snapshot.blocks, snapshot: { size: snapshot.size, mtime: snapshot.mtime } }], { disk, root: d, device: 'A', remote });
  assert.equal(outcome.status, 'committed');
  assert.equal(sent.length, 1);
  assert.deepEqual(Buffer.from(sent[0].bytes), first);
  assert.equal(sha(Buffer.from(sent[0].bytes)), snapshot.blocks[0].hash);
});
