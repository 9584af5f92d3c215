// A snapshot hash is one moment's content: a steady big file hashes as hashFile says; a file
// written to while it is hashed gives null, never a mix of two moments.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BLOCK_SIZE } from '../../../shared/common/blocks.js';
import { hashFile } from '../../../shared/node/blocks/chunker.js';
import { hashSnapshot } from '../../../shared/node/engine/hash-snapshot.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'hsync-snapshot-'));
  dirs.push(d);
  return d;
}

test('a steady big file hashes as hashFile does, block by block', async () => {
  const path = join(await dir(), 'big.bin');
  await writeFile(path, randomBytes(20 * BLOCK_SIZE + 5));
  const snapshot = await hashSnapshot(nodeFileSystem, path);
  const expected = await hashFile(path);
  assert.ok(snapshot);
  assert.equal(snapshot.size, expected.size);
  assert.equal(snapshot.contentHash, expected.contentHash);
  assert.deepEqual(snapshot.blocks, expected.blocks);
});

test('a big file appended to while it is hashed gives null', async () => {
  const path = join(await dir(), 'growing.bin');
  await writeFile(path, randomBytes(40 * BLOCK_SIZE));
  let writing = true;
  const writer = (async () => {
    while (writing) await appendFile(path, randomBytes(64 * 1024));
  })();
  try {
    assert.equal(await hashSnapshot(nodeFileSystem, path), null);
  } finally {
    writing = false;
    await writer;
  }
});

test('small files (read synchronously) hash as hashFile does, the empty file included', async () => {
  const d = await dir();
  for (const size of [0, 1, 4096, 256 * 1024, 256 * 1024 + 1]) {
    const path = join(d, `f${size}`);
    await writeFile(path, randomBytes(size));
    const snapshot = await hashSnapshot(nodeFileSystem, path);
    const expected = await hashFile(path);
    assert.ok(snapshot, `size ${size}`);
    assert.equal(snapshot.size, size);
    assert.equal(snapshot.contentHash, expected.contentHash, `size ${size}`);
    assert.deepEqual(snapshot.blocks, expected.blocks);
  }
});

test('a FIFO put where a file was is not waited on: no snapshot', async () => {
  const path = join(await dir(), 'pipe');
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [path]);
  assert.equal(await hashSnapshot(nodeFileSystem, path), null);
});
