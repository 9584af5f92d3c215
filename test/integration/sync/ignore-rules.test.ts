// Ignore rules are local and never delete: a path that becomes ignored on one device stops
// syncing from it, and every device and the server keep their bytes (docs/engine.md "Ignore rules").
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { listFiles, syncFixture, type TestClient } from '../../helpers/sync-client.js';
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

/** The contents of every file on a device, sorted, to check that no version was lost. */
async function contents(client: TestClient): Promise<string[]> {
  const out: string[] = [];
  for (const path of await listFiles(client.root)) out.push(await readFile(join(client.root, path), 'utf8'));
  return out.sort();
}

const BUILD = ['build/x.o', 'build/y.o', 'build/z.o'];

test('ignoring a synced folder on one device deletes nothing anywhere; un-ignoring syncs it again without loss', async () => {
  const [a, b, token] = await fx.pair();
  for (const path of BUILD) await a.write(path, `first ${path}`);
  await a.write('notes.txt', 'notes');
  await a.sync();
  await b.sync();
  const synced = await b.tree();

  await a.write('.hsyncignore', 'build/\n');
  await a.sync();
  await b.sync();
  await a.sync();
  assert.deepEqual(await b.tree(), synced, 'B keeps build/ byte for byte');
  assert.deepEqual(await serverFiles(token), [...BUILD, 'notes.txt'], 'the server keeps build/; the rules file stays local');
  for (const path of BUILD) assert.equal(await a.read(path), `first ${path}`, 'A keeps its ignored bytes');

  // Changes on either side of an ignored path stay where they are made.
  await b.write('build/x.o', 'edited on B');
  await a.write('build/x.o', 'edited on A while ignored');
  await a.write('build/new.o', 'new on A while ignored');
  await b.sync();
  await a.sync();
  assert.equal(await a.read('build/x.o'), 'edited on A while ignored', 'B’s edit is not downloaded to A');
  assert.deepEqual(await serverFiles(token), [...BUILD, 'notes.txt'], 'nothing from A’s ignored folder is uploaded');

  // Un-ignoring: A's changes become normal changes, the edit against B's edit a conflict copy.
  await rm(join(a.root, '.hsyncignore'));
  await a.sync();
  await b.sync();
  await a.sync();
  const expected = ['edited on A while ignored', 'edited on B', 'first build/y.o', 'first build/z.o', 'new on A while ignored', 'notes'];
  assert.deepEqual(await contents(a), expected);
  assert.deepEqual(await contents(b), expected);
  assert.deepEqual(await b.tree(), await a.tree());
  assert.equal((await serverFiles(token)).length, 6);
});
