// EDGE_CASES 1, 2 and 3: a vanished or emptied root, a mass deletion, a replaced fx.server.
// Each must stop the folder without sending a single delete.
import assert from 'node:assert/strict';
import { mkdir, rename, rm } from 'node:fs/promises';
import { test } from 'node:test';
import { startServerProcess } from '../../helpers/server-process.js';
import { makeClient, syncFixture } from '../../helpers/sync-client.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';

const fx = syncFixture();

/** Every live path on the server for this token. */
async function serverFiles(token: string, url = fx.server.url): Promise<string[]> {
  const remote = new HttpRemote(url, token);
  const live = new Map<string, boolean>();
  let cursor = 0;
  for (;;) {
    const page = await remote.list(cursor, 1000);
    for (const e of page.entries) live.set(e.path, !e.deleted);
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  remote.close();
  return [...live].filter(([, on]) => on).map(([p]) => p).sort();
}

test('EDGE 1: a renamed or emptied root stops the folder; nothing is deleted; it resumes without re-transfer', async () => {
  const [a, , token] = await fx.pair();
  for (let i = 0; i < 1000; i++) await a.write(`d${i % 20}/f${i}.txt`, `file ${i}\n`);
  await a.sync();
  const before = await serverFiles(token);
  assert.equal(before.length, 1000);

  // (b) the root is renamed away (or its drive unmounted): the folder is missing.
  await rename(a.root, `${a.root}-moved`);
  const gone = await a.sync(true);
  assert.equal(gone.agreed, false);
  assert.equal(a.engine.getStatus().state, 'error');
  assert.equal(a.engine.getStatus().error?.code, 'folder_missing');
  assert.deepEqual(await serverFiles(token), before);

  // (c) an empty folder of the same name: the marker is missing.
  await mkdir(a.root);
  const empty = await a.sync(true);
  assert.equal(empty.agreed, false);
  assert.equal(a.engine.getStatus().error?.code, 'folder_missing');
  assert.match(empty.reason!, /marker/);
  assert.deepEqual(await serverFiles(token), before);

  // Remounted: the same files are back; no block moves either way.
  await rm(a.root, { recursive: true });
  await rename(`${a.root}-moved`, a.root);
  const sent = a.remote.counters.sentBytes;
  const blocks = { ...a.blocks };
  await a.sync();
  assert.equal(a.engine.getStatus().state, 'idle');
  assert.deepEqual(a.blocks, blocks, 'no block uploaded or downloaded after the remount');
  assert.ok(a.remote.counters.sentBytes - sent < 4096, `sent ${a.remote.counters.sentBytes - sent} bytes`);
  assert.deepEqual(await serverFiles(token), before);
});

test('EDGE 2: deleting 60 % of 200 files is held; cancel restores them, confirm propagates', async () => {
  const [a, b, token] = await fx.pair();
  for (let i = 0; i < 200; i++) await a.write(`f${i}.txt`, `content ${i}`);
  await a.sync();
  await b.sync();
  const tree = await a.tree();

  for (let i = 0; i < 120; i++) await rm(`${a.root}/f${i}.txt`);
  const held = await a.sync(true);
  assert.equal(held.agreed, false);
  assert.match(held.reason!, /120 of 200 files deleted locally; held/);
  const status = a.engine.getStatus();
  assert.equal(status.pendingDeletes?.count, 120);
  assert.equal(status.pendingDeletes?.total, 200);
  assert.equal((await serverFiles(token)).length, 200, 'no delete reached the server');

  await a.engine.cancelDeletes();
  assert.deepEqual(await a.tree(), tree, 'cancel restored every file from the server');
  assert.equal(a.engine.getStatus().pendingDeletes, null);

  for (let i = 0; i < 120; i++) await rm(`${a.root}/f${i}.txt`);
  await a.sync(true);
  await a.engine.confirmDeletes();
  assert.equal(a.engine.outcome().agreed, true, a.engine.outcome().reason ?? '');
  assert.equal((await serverFiles(token)).length, 80);
  // On the other device the same guard holds the deletions from the server (remote-deletes.test.ts).
  await b.sync(true);
  assert.equal(b.engine.getStatus().pendingDeletes?.side, 'remote');
  await b.engine.confirmDeletes();
  assert.equal((await b.files()).length, 80);

  // The server keeps the deleted revisions: one can be restored.
  const revisions = await a.remote.revisions('f0.txt');
  assert.equal(revisions[0].deleted, true);
  await a.remote.restore('laptop', 'f0.txt', revisions[1].rev);
  await b.sync();
  assert.equal(await b.read('f0.txt'), 'content 0');
});

test('EDGE 3: a different server behind the same URL stops the folder; local files stay', async () => {
  const [a, , token] = await fx.pair();
  await a.write('keep.txt', 'mine');
  await a.sync();
  await a.close();
  const other = await startServerProcess();
  try {
    const otherToken = await other.addUser('someone');
    const moved = await makeClient(other.url, otherToken, 'laptop', { root: a.root, stateDir: a.stateDir });
    for (let round = 0; round < 2; round++) {
      const outcome = await moved.sync(true);
      assert.equal(outcome.agreed, false);
      assert.equal(moved.engine.getStatus().error?.code, 'server_changed');
    }
    assert.equal(await moved.read('keep.txt'), 'mine');
    // The server the client now talks to got nothing from this folder, not one block.
    assert.deepEqual(await serverFiles(otherToken, other.url), []);
    assert.equal(moved.blocks.up, 0);
    assert.deepEqual(await serverFiles(token), ['keep.txt'], 'the first server still has the file');
    await moved.close();
  } finally {
    await other.dispose();
  }
});
