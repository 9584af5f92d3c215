// Blocks B already holds are copied from its own files, not downloaded: a copy under a new
// name downloads nothing, a one-byte change downloads one block; both arrive byte-exact and
// as files of their own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BLOCK_SIZE } from '../../../shared/common/blocks.js';
import { syncFixture } from '../../helpers/sync-client.js';

const fx = syncFixture();
const size = 5 * BLOCK_SIZE + 777;

test('a copy of a big file under a new name reaches the other device without a block downloaded', async () => {
  const [a, b] = await fx.pair();
  const data = randomBytes(size);
  await a.write('big.bin', data);
  await a.sync();
  await b.sync();
  assert.equal(b.blocks.downBytes, size);

  await copyFile(join(a.root, 'big.bin'), join(a.root, 'big copy.bin'));
  await a.sync();
  await b.sync();
  assert.equal(b.blocks.downBytes, size, 'the copy was placed from local bytes');
  assert.ok((await readFile(join(b.root, 'big copy.bin'))).equals(data));
  assert.deepEqual(await b.tree(), await a.tree());
  // A file of its own: a change to the copy leaves the original alone.
  assert.notEqual((await stat(join(b.root, 'big copy.bin'))).ino, (await stat(join(b.root, 'big.bin'))).ino);
  await writeFile(join(b.root, 'big copy.bin'), 'changed');
  assert.ok((await readFile(join(b.root, 'big.bin'))).equals(data));
});

test('one byte changed in the middle of a big file downloads one block and lands byte-exact', async () => {
  const [a, b] = await fx.pair();
  const data = randomBytes(size);
  await a.write('big.bin', data);
  await a.sync();
  await b.sync();
  const before = b.blocks.downBytes;

  const offset = Math.floor(size / 2) + 123;
  data[offset] ^= 0xff;
  const handle = await open(join(a.root, 'big.bin'), 'r+');
  await handle.write(data, offset, 1, offset);
  await handle.close();
  await a.sync();
  assert.equal(a.blocks.upBytes, size + BLOCK_SIZE, 'A sent only the changed block');
  await b.sync();
  assert.equal(b.blocks.downBytes - before, BLOCK_SIZE);
  assert.ok((await readFile(join(b.root, 'big.bin'))).equals(data));
});
