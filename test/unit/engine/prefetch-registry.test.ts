import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileStamp, PrefetchRegistry } from '../../../shared/node/engine/prefetch-registry.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';

const registry = new PrefetchRegistry(nodeFileSystem);

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempFile(size: number): Promise<{ path: string; stamp: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hsync-prefetch-registry-'));
  dirs.push(dir);
  const path = join(dir, 'abc.part');
  await writeFile(path, Buffer.alloc(size));
  return { path, stamp: fileStamp(await stat(path)) };
}

describe('prefetch registry', () => {
  it('a download stops a running prefetch, waits for it, and takes its checked blocks', async () => {
    const { path, stamp } = await tempFile(100);
    const record = registry.start(path, 'c1', 100, 3)!;
    record.stamp = stamp;
    let finish!: () => void;
    record.done = new Promise<void>((r) => (finish = r)).then(() => void (record.finished = true));
    record.verified.add(0);
    assert.equal(registry.running(path), true);
    let claimed = false;
    const claim = registry.claimForDownload(path, 'c1', 100).then((c) => ((claimed = true), c));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(record.stopping, true, 'the prefetch is told to stop');
    assert.equal(claimed, false, 'the download waits for the prefetch to finish its writes');
    record.verified.add(2); // a block in flight lands
    finish();
    const { verified, release } = await claim;
    assert.deepEqual([...verified!].sort(), [0, 2]);
    assert.equal(registry.start(path, 'c1', 100, 3), null, 'no prefetch while the download writes');
    release();
    assert.notEqual(registry.start(path, 'c1', 100, 3), null, 'after it, one may start again');
  });

  it('trusts nothing when the temp file was replaced, or is for other content', async () => {
    const { path, stamp } = await tempFile(100);
    const record = registry.start(path, 'c2', 100, 3)!;
    record.stamp = stamp;
    record.verified.add(1);
    record.finished = true;
    // Deleted and made again with the same size (the inode number may well be reused).
    await unlink(path);
    await writeFile(path, Buffer.alloc(100));
    const replaced = await registry.claimForDownload(path, 'c2', 100);
    assert.equal(replaced.verified, null);
    replaced.release();

    const other = registry.start(path, 'c3', 100, 3)!;
    other.stamp = fileStamp(await stat(path));
    other.verified.add(0);
    other.finished = true;
    const wrongContent = await registry.claimForDownload(path, 'c4', 100);
    assert.equal(wrongContent.verified, null);
    wrongContent.release();

    const written = registry.start(path, 'c6', 100, 3)!;
    written.stamp = fileStamp(await stat(path));
    written.verified.add(0);
    written.finished = true;
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(path, Buffer.alloc(100, 1)); // someone wrote into it since
    const changed = await registry.claimForDownload(path, 'c6', 100);
    assert.equal(changed.verified, null);
    changed.release();
  });

  it('a finished prefetch hands its blocks to the next one, which is not started when all are there', async () => {
    const { path, stamp } = await tempFile(100);
    const first = registry.start(path, 'c5', 100, 2)!;
    first.stamp = stamp;
    first.verified.add(0);
    assert.equal(registry.start(path, 'c5', 100, 2), null, 'one runs already');
    first.finished = true;
    const second = registry.start(path, 'c5', 100, 2)!;
    assert.equal(second.stamp, stamp);
    assert.deepEqual([...second.verified], [0]);
    second.verified.add(1);
    second.finished = true;
    assert.equal(registry.start(path, 'c5', 100, 2), null, 'every block is there');
  });
});
