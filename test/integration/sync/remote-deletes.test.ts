// Deletions from the server are guarded like local ones: a pull that would remove more than
// half of this device's files (and more than 100) waits for confirmation; cancelling keeps
// the files and puts them back on the server (docs/engine.md "Deletions").
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { syncFixture } from '../../helpers/sync-client.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';

const fx = syncFixture();

/** Every live path on the server for this token. */
async function serverFiles(token: string): Promise<string[]> {
  const remote = new HttpRemote(fx.server.url, token);
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

test('a pull deleting 150 of 200 local files waits; cancel keeps them everywhere, confirm removes them', async () => {
  const [a, b, token] = await fx.pair();
  for (let i = 0; i < 200; i++) await a.write(`f${i}.txt`, `content ${i}`);
  await a.sync();
  await b.sync();
  const tree = await a.tree();

  // B deletes 150 files and confirms its own guard: the server loses them.
  const deleteOnB = async () => {
    for (let i = 0; i < 150; i++) await rm(join(b.root, `f${i}.txt`));
    await b.sync(true);
    await b.engine.confirmDeletes();
    assert.equal(b.engine.outcome().agreed, true, b.engine.outcome().reason ?? '');
    assert.equal((await serverFiles(token)).length, 50);
  };
  await deleteOnB();

  const held = await a.sync(true);
  assert.equal(held.agreed, false);
  assert.match(held.reason!, /150 of 200 local files deleted on the server; held until confirmed/);
  assert.deepEqual(await a.tree(), tree, 'A keeps every file while the deletion waits');
  const status = a.engine.getStatus();
  assert.deepEqual({ ...status.pendingDeletes, sample: undefined }, { count: 150, total: 200, side: 'remote', sample: undefined });
  assert.match(status.summary, /^Waiting: remove 150 files deleted on the server from this device\?$/);

  // Cancel: A keeps its files and they go back up; B gets them again.
  await a.engine.cancelDeletes();
  assert.equal(a.engine.getStatus().pendingDeletes, null);
  assert.equal(a.engine.outcome().agreed, true, a.engine.outcome().reason ?? '');
  assert.deepEqual(await a.tree(), tree);
  assert.equal((await serverFiles(token)).length, 200);
  await b.sync();
  assert.deepEqual(await b.tree(), tree, 'B has the cancelled deletions back');

  // Confirm: the deletion goes through on A.
  await deleteOnB();
  await a.sync(true);
  assert.equal(a.engine.getStatus().pendingDeletes?.side, 'remote');
  await a.engine.confirmDeletes();
  assert.equal(a.engine.outcome().agreed, true, a.engine.outcome().reason ?? '');
  assert.deepEqual(await a.files(), await b.files());
  assert.equal((await a.files()).length, 50);
  assert.equal((await serverFiles(token)).length, 50);
});
