// EDGE_CASES 9 on a real case-insensitive disk (exFAT, case-preserving like NTFS and APFS):
// names that differ only in letter case, made on a case-sensitive device, reach a device
// whose folder is on that disk. Nothing is merged or lost, and later edits keep syncing.
import assert from 'node:assert/strict';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { caseInsensitiveDisk } from '../../helpers/case-insensitive-disk.js';
import { serverLiveTree, syncFixture, type TestClient } from '../../helpers/sync-client.js';

const fx = syncFixture();

/**
 * Runs `body` with a client whose folder is on a fresh exFAT disk; unmounts and removes the
 * disk afterwards, also when the body fails. Skips the test where no such disk can be made.
 */
async function onExfat(t: TestContext, token: string, body: (client: TestClient) => Promise<void>): Promise<void> {
  const disk = await caseInsensitiveDisk(t);
  if (!disk) return;
  let client: TestClient | undefined;
  try {
    const root = join(disk.dir, 'HybridSync');
    await mkdir(root);
    client = await fx.client(token, 'exfat', { root });
    await body(client);
  } finally {
    await client?.close();
    await disk.dispose();
  }
}

test('EDGE 9 on an exFAT disk: A.txt and a.txt, Docs/ and docs/ from a case-sensitive device: both files kept (one as a "(Case Conflict)" copy), the file under docs/ reported, nothing lost on any side, later edits sync', async (t) => {
  const token = await fx.newUser();
  await onExfat(t, token, async (mac) => {
    const linux = await fx.client(token, 'linux');
    await linux.write('A.txt', 'upper');
    await linux.write('a.txt', 'lower');
    await linux.write('Docs/one.txt', 'one');
    await linux.write('docs/two.txt', 'two');
    await linux.write('plain.txt', 'plain');
    await linux.sync();
    const written = await serverLiveTree(linux);
    const linuxTree = await linux.tree();

    await mac.sync(true);
    const onDisk = await mac.tree();
    assert.deepEqual(Object.keys(onDisk), ['A.txt', 'Docs/one.txt', 'a (Case Conflict).txt', 'plain.txt'], 'the names as the disk holds them');
    assert.equal(await mac.read('A.txt'), 'upper');
    assert.equal(await mac.read('a (Case Conflict).txt'), 'lower');
    assert.equal(await mac.read('Docs/one.txt'), 'one');
    const problem = mac.engine.getStatus().problems.find((p) => p.path === 'docs/two.txt');
    assert.equal(problem?.code, 'invalid_path', 'the file under the folder clashing in case is reported');
    assert.match(problem!.message, /"Docs" differs from a folder on its path only in letter case/);

    const expected = {
      'A.txt': written['A.txt'],
      'Docs/one.txt': written['Docs/one.txt'],
      'a (Case Conflict).txt': written['a.txt'],
      'docs/two.txt': written['docs/two.txt'],
      'plain.txt': written['plain.txt'],
    };
    assert.deepEqual(await serverLiveTree(mac), expected, 'the server keeps every content, under names that differ beyond case');
    await linux.sync();
    const { 'a.txt': lower, ...others } = linuxTree;
    assert.deepEqual(await linux.tree(), { ...others, 'a (Case Conflict).txt': lower }, 'the case-sensitive device converges with both contents');

    // Later edits on either side still sync, and nothing goes back and forth.
    await mac.write('A.txt', 'upper, edited on exFAT');
    await mac.write('a (Case Conflict).txt', 'lower, edited on exFAT');
    await linux.write('Docs/one.txt', 'one, edited on linux');
    await linux.write('docs/two.txt', 'two, edited on linux');
    await mac.sync(true);
    await linux.sync();
    await mac.sync(true);
    assert.equal(await linux.read('A.txt'), 'upper, edited on exFAT');
    assert.equal(await linux.read('a (Case Conflict).txt'), 'lower, edited on exFAT');
    assert.equal(await mac.read('Docs/one.txt'), 'one, edited on linux');
    assert.deepEqual(await readdir(join(mac.root, 'Docs')), ['one.txt'], 'the clashing folder\'s file is still not written');
    const settled = await serverLiveTree(mac);
    assert.deepEqual(Object.keys(settled), Object.keys(expected), 'no new names, no deletion');
    const { 'docs/two.txt': _notHere, ...held } = await linux.tree();
    assert.deepEqual(await mac.tree(), held, 'both devices hold the same bytes');
    const { up, down } = mac.blocks;
    await mac.sync(true);
    await linux.sync();
    assert.deepEqual([mac.blocks.up, mac.blocks.down], [up, down], 'no ping-pong');
    assert.deepEqual(await serverLiveTree(mac), settled);
  });
});

test('EDGE 8 on an exFAT disk: case-only renames of a file and a folder, made on the disk and made elsewhere, reach every side as renames: no duplicate, no deletion, no re-download', async (t) => {
  const token = await fx.newUser();
  await onExfat(t, token, async (disk) => {
    const linux = await fx.client(token, 'linux');
    await linux.write('Report.txt', 'report');
    await linux.write('Docs/one.txt', 'one');
    await linux.write('Notes/two.txt', 'two');
    await linux.write('Plan.txt', 'plan');
    await linux.sync();
    await disk.sync();
    const before = await serverLiveTree(linux);

    // On the case-insensitive disk: renamed in place.
    await rename(join(disk.root, 'Report.txt'), join(disk.root, 'report.txt'));
    await rename(join(disk.root, 'Docs'), join(disk.root, 'docs'));
    // On the case-sensitive device, arriving at the disk.
    await rename(join(linux.root, 'Plan.txt'), join(linux.root, 'plan.txt'));
    await rename(join(linux.root, 'Notes'), join(linux.root, 'notes'));
    const { up, down } = disk.blocks;
    await disk.sync();
    await linux.sync();
    await disk.sync();

    const expected = { 'docs/one.txt': before['Docs/one.txt'], 'notes/two.txt': before['Notes/two.txt'], 'plan.txt': before['Plan.txt'], 'report.txt': before['Report.txt'] };
    assert.deepEqual(await serverLiveTree(linux), expected, 'the server has the new case only, with the same contents');
    for (const client of [linux, disk]) {
      assert.deepEqual(await client.files(), Object.keys(expected), `${client.device}: new case, no duplicate pair`);
      assert.equal(await client.read('report.txt'), 'report');
      assert.equal(await client.read('plan.txt'), 'plan');
    }
    assert.deepEqual(await readdir(disk.root), ['.hsync', 'docs', 'notes', 'plan.txt', 'report.txt'], 'the disk holds the names in their new case');
    assert.deepEqual([disk.blocks.up, disk.blocks.down], [up, down], 'renamed in place: nothing uploaded or downloaded');
    assert.deepEqual(await readdir(join(disk.root, '.hsync', 'tmp')), [], 'no temp file left');
    assert.deepEqual(await readdir(join(disk.root, '.hsync', 'trash')).catch(() => []), [], 'nothing removed from the disk');
    assert.equal((await disk.sync(true)).agreed, true, 'in sync, not merely "up to date"');
    assert.deepEqual(await serverLiveTree(linux), expected);
  });
});
