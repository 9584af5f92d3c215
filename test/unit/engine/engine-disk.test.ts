// No module-level state in the engine: each engine's disk memory (folders made, bytes kept
// from a scan, prefetches, temp numbers) is its own, so two engines in one process, even on
// the same paths, do not see each other's (docs/engine.md "The file-system port").

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { engineDisk } from '../../../shared/node/engine/engine-disk.js';
import { SyncEngine } from '../../../shared/node/engine/engine.js';
import { hashSnapshot } from '../../../shared/node/engine/hash-snapshot.js';
import { writeSmallTemp } from '../../../shared/node/engine/small-temp.js';
import { MemoryFileSystem } from '../../../shared/node/fs/memory-file-system.js';
import type { ContentHash } from '../../../shared/common/blocks.js';
import { ServerModel } from '../../../sim/server-model.js';

test('two engine disks on the same paths keep their own folders, kept bytes, prefetches and temp names', async () => {
  const fsA = new MemoryFileSystem();
  const fsB = new MemoryFileSystem();
  const a = engineDisk(fsA);
  const b = engineDisk(fsB);
  for (const fs of [fsA, fsB]) fs.mkdirSync('/data');

  // A folder one engine made is not taken as made for the other.
  await a.folders.ensure('/data/.hsync/tmp');
  await b.folders.ensure('/data/.hsync/tmp');
  assert.ok(fsB.lstatSync('/data/.hsync/tmp')?.isDirectory(), 'B made its own folder');

  // Bytes one engine kept from its scan survive the other's next scan (which drops its own).
  fsA.writeFileSync('/data/small.txt', 'kept by A');
  const snapshot = (await hashSnapshot(fsA, '/data/small.txt', { keep: a.kept }))!;
  b.kept.drop();
  assert.equal(a.kept.take(snapshot.blocks[0])?.toString(), 'kept by A');

  // A prefetch registered by one engine does not hold the other's download of that name.
  const temp = '/data/.hsync/tmp/abc.part';
  assert.notEqual(a.prefetches.start(temp, 'c1', 100, 2), null);
  assert.equal(b.prefetches.running(temp), false);
  assert.notEqual(b.prefetches.start(temp, 'c1', 100, 2), null);

  // Each numbers its own small temp files, on its own disk.
  const file = { contentHash: 'f'.repeat(64) as ContentHash, mtime: 1_700_000_000_000 };
  const first = await writeSmallTemp(a, '/data', file, Buffer.from('a'));
  const second = await writeSmallTemp(b, '/data', file, Buffer.from('b'));
  assert.equal(first.temp, second.temp, 'both start at the same number');
  assert.equal(fsA.readFileSync(first.temp).toString(), 'a');
  assert.equal(fsB.readFileSync(second.temp).toString(), 'b');
});

test('two engines in one process, each on its own in-memory disk at the same path, sync their own files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hsync-two-engines-'));
  const server = new ServerModel(join(dir, 'server'));
  const engines: SyncEngine[] = [];
  try {
    const users = [server.addUser('ann'), server.addUser('bob')];
    const disks = users.map(() => new MemoryFileSystem());
    disks.forEach((fs, i) => {
      fs.mkdirSync('/data/docs', { recursive: true });
      fs.writeFileSync('/data/docs/note.txt', `note of user ${i}`);
    });
    for (const [i, user] of users.entries()) {
      engines.push(new SyncEngine({ root: '/data', stateDir: join(dir, `state${i}`), fs: disks[i], remote: user.remote(), device: `dev${i}`, watch: false, platform: 'linux', caseInsensitive: false, minFreeBytes: 0 }));
    }
    // Interleaved: both cycles run at once in this process.
    const outcomes = await Promise.all(engines.map((engine) => engine.syncOnce()));
    assert.deepEqual(outcomes, [{ agreed: true, reason: null }, { agreed: true, reason: null }]);
    for (const [i, user] of users.entries()) {
      const live = server.live(user.namespaceId);
      assert.deepEqual([...live.keys()], ['docs/note.txt']);
      assert.equal(server.bytesOf(live.get('docs/note.txt')!)?.toString(), `note of user ${i}`);
    }
  } finally {
    for (const engine of engines) await engine.stop();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
