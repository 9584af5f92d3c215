// A remote edit that replaces a file on this disk keeps the mode the user gave that file
// (an executable script, an owner-only file); a file new to this disk gets the usual
// default. Two real clients on one server; bytes and modes checked on disk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { randomish, syncFixture } from '../../helpers/sync-client.js';

const fixture = syncFixture();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const modeOf = async (root: string, path: string) => (await stat(join(root, path))).mode & 0o777;

test('a downloaded edit keeps the mode of the file it replaces (0755, 0600, one block and many); a new file gets the default', async () => {
  const [laptop, desktop] = await fixture.pair();
  const files = { 'run.sh': 0o755, 'notes/secret.txt': 0o600, 'big.bin': 0o700 };
  await laptop.write('run.sh', '#!/bin/sh\necho one\n');
  await laptop.write('notes/secret.txt', 'first');
  await laptop.write('big.bin', randomish(9 * 1024 * 1024, 1)); // three blocks: the resumable download path
  await laptop.sync();
  await desktop.sync();
  const defaultMode = await modeOf(desktop.root, 'run.sh');
  // The user on the desktop sets the modes of their copies.
  for (const [path, mode] of Object.entries(files)) await chmod(join(desktop.root, path), mode);

  await laptop.write('run.sh', '#!/bin/sh\necho two\n');
  await laptop.write('notes/secret.txt', 'second');
  await laptop.write('big.bin', randomish(9 * 1024 * 1024, 2));
  await laptop.write('new.txt', 'new');
  await laptop.sync();
  await desktop.sync();

  assert.deepEqual(await desktop.tree(), await laptop.tree(), 'the new bytes arrived');
  assert.equal(sha(await readFile(join(desktop.root, 'big.bin'))), sha(randomish(9 * 1024 * 1024, 2)));
  for (const [path, mode] of Object.entries(files)) {
    assert.equal((await modeOf(desktop.root, path)).toString(8), mode.toString(8), `${path} kept its mode`);
  }
  assert.equal(await modeOf(desktop.root, 'new.txt'), defaultMode, 'a new file gets the default mode');
});
