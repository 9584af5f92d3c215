// Selective sync with a real server and real folders (docs/engine.md "Selective sync"): an
// excluded folder leaves only the device that excluded it, and only once the server holds
// every byte of it; the server and the other devices keep it; taking it back downloads it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { JournalEntry } from '../../../shared/common/protocol.js';
import { hashFile } from '../../../shared/node/blocks/chunker.js';
import { listTrash } from '../../../shared/node/engine/local-trash.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { hsyncNodeArgs, runHsync } from '../../helpers/server-process.js';
import { listFiles, randomish, removeDirs, syncFixture, type TestClient } from '../../helpers/sync-client.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';

const HSYNC = join(import.meta.dirname, '..', '..', '..', 'bin', 'hsync.js');
const fx = syncFixture();
const dirs: string[] = [];
after(() => removeDirs(...dirs));

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hsync-selective-${name}-`));
  dirs.push(dir);
  return dir;
}

/** The server's live entries for this token: path → content hash. */
async function serverTree(token: string): Promise<Record<string, string>> {
  const remote = new HttpRemote(fx.server.url, token);
  const latest = new Map<string, JournalEntry>();
  let cursor = 0;
  for (;;) {
    const page = await remote.list(cursor, 1000);
    for (const entry of page.entries) latest.set(entry.path, entry);
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  remote.close();
  const out: Record<string, string> = {};
  for (const [path, entry] of [...latest].sort(([a], [b]) => (a < b ? -1 : 1))) if (!entry.deleted) out[path] = entry.contentHash!;
  return out;
}

/** path → content hash of every file on a device, as the server would name it. */
async function contentHashes(client: TestClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await client.files()) out[path] = (await hashFile(join(client.root, path))).contentHash;
  return out;
}

const BIG = {
  'big/movie.bin': randomish(9_000_000, 1), // three blocks
  'big/sub/notes.txt': Buffer.from('notes in a subfolder\n'),
  'big/draft.txt': Buffer.from('first draft\n'),
};

/** A and B with big/ and top.txt synced on both. */
async function syncedPair(): Promise<[TestClient, TestClient, string]> {
  const [a, b, token] = await fx.pair();
  for (const [path, bytes] of Object.entries(BIG)) await a.write(path, bytes);
  await a.write('top.txt', 'stays everywhere\n');
  await a.sync();
  await b.sync();
  return [a, b, token];
}

test('A excludes big/: A\'s disk loses it once the server has every byte (an edit made just before goes up first); B and the server keep it; B\'s later changes stay off A; taking it back brings them', async () => {
  const [first, b, token] = await syncedPair();
  let a = first;
  // Edited just before excluding, not uploaded yet: it must reach the server, not the trash alone.
  await a.write('big/draft.txt', 'second draft, written on A just before excluding\n');

  assert.deepEqual(await a.engine.setExcludedFolders(['./big/']), ['big']);
  await a.sync();
  assert.deepEqual(await a.files(), ['top.txt'], 'only top.txt is left on A');
  assert.equal(existsSync(join(a.root, 'big')), false, 'the folder itself is gone from A');
  const trashed = await listTrash(nodeFileSystem, a.root);
  assert.deepEqual(trashed.map((e) => `${e.reason} ${e.path}`).sort(), ['excluded big/draft.txt', 'excluded big/movie.bin', 'excluded big/sub/notes.txt'], 'A\'s copies went through the local trash');

  await b.sync();
  assert.equal(await b.read('big/draft.txt'), 'second draft, written on A just before excluding\n');
  const onB = await contentHashes(b);
  assert.equal(onB['big/movie.bin'], (await hashFile(join(b.root, 'big/movie.bin'))).contentHash);
  assert.deepEqual(await serverTree(token), onB, 'the server holds exactly what B holds, big/ included');
  assert.deepEqual(Object.keys(onB).sort(), ['big/draft.txt', 'big/movie.bin', 'big/sub/notes.txt', 'top.txt']);
  assert.deepEqual(a.engine.getStatus().excludedFolders, ['big']);

  // B keeps working in big/; none of it reaches A, also after a restart (the list is kept).
  await b.write('big/from-b.txt', 'written on B while A excludes big/\n');
  await b.write('big/sub/notes.txt', 'notes edited on B\n');
  await b.write('top.txt', 'top edited on B\n');
  await b.sync();
  a = await a.reopen();
  assert.deepEqual(a.engine.excludedFolders(), ['big'], 'the exclusion survives a restart');
  await a.sync();
  assert.deepEqual(await a.files(), ['top.txt']);
  assert.equal(await a.read('top.txt'), 'top edited on B\n', 'the rest of the folder keeps syncing');
  assert.equal(a.blocks.downBytes, Buffer.byteLength('top edited on B\n'), 'only top.txt was fetched, not one block of big/');

  // Taking it back downloads B's version of everything.
  assert.deepEqual(await a.engine.setExcludedFolders([]), []);
  await a.sync();
  await b.sync();
  assert.deepEqual(await a.tree(), await b.tree());
  assert.equal(await a.read('big/from-b.txt'), 'written on B while A excludes big/\n');
  assert.deepEqual(await serverTree(token), await contentHashes(a));
  await a.close();
});

test('a folder made again at an excluded path is not merged: its files go up as "big (selective sync conflict)"', async () => {
  const [a, b, token] = await syncedPair();
  await a.engine.setExcludedFolders(['big']);
  await a.sync();
  const before = await serverTree(token);

  await a.write('big/draft.txt', 'a new draft, made on A after excluding\n');
  await a.write('big/mine/photo.raw', randomish(5_000_000, 9));
  await a.sync();
  assert.deepEqual(await a.files(), ['big (selective sync conflict)/draft.txt', 'big (selective sync conflict)/mine/photo.raw', 'top.txt']);
  assert.equal(await a.read('big (selective sync conflict)/draft.txt'), 'a new draft, made on A after excluding\n');
  const after = await serverTree(token);
  for (const path of Object.keys(BIG)) assert.equal(after[path], before[path], `${path} on the server is untouched`);
  await b.sync();
  assert.equal(await b.read('big/draft.txt'), 'first draft\n', 'B\'s big/draft.txt is not overwritten');
  assert.equal(await b.read('big (selective sync conflict)/draft.txt'), 'a new draft, made on A after excluding\n');
  assert.deepEqual(await serverTree(token), await contentHashes(b));
});

test('a subfolder of an excluded folder taken back comes back alone: the parent stays off this disk but for it, also across a restart and for new files', async () => {
  const [a, b] = await syncedPair();
  await a.engine.setExcludedFolders(['big']);
  await a.sync();
  assert.deepEqual(await a.files(), ['top.txt']);

  // As `hsync sync --include-folder big/sub` does: big stays excluded, big/sub syncs.
  const next = a.engine.changedSelection([], ['big/sub']);
  assert.deepEqual(next, { excluded: ['big'], included: ['big/sub'] });
  await a.engine.setExcludedFolders(next.excluded, next.included);
  await a.sync();
  assert.deepEqual(await a.files(), ['big/sub/notes.txt', 'top.txt']);
  assert.equal(await a.read('big/sub/notes.txt'), 'notes in a subfolder\n');
  assert.deepEqual(a.engine.getStatus().includedFolders, ['big/sub']);

  // B's new files: the one in big/sub comes, the one beside it in big does not; A's new file
  // in big/sub goes up. The server keeps everything of big.
  await b.write('big/sub/later.txt', 'later, in sub\n');
  await b.write('big/later.txt', 'later, in big\n');
  await b.sync();
  await a.write('big/sub/from-a.txt', 'made on A\n');
  await a.sync();
  await b.sync();
  assert.deepEqual(await a.files(), ['big/sub/from-a.txt', 'big/sub/later.txt', 'big/sub/notes.txt', 'top.txt']);
  assert.equal(await b.read('big/sub/from-a.txt'), 'made on A\n');
  assert.equal(await b.read('big/later.txt'), 'later, in big\n');
  assert.equal(await b.read('big/movie.bin').then((t) => t.length > 0), true);

  // Kept in the index: a restarted engine has the same selection.
  const again = await a.reopen();
  try {
    assert.deepEqual([again.engine.excludedFolders(), again.engine.includedFolders()], [['big'], ['big/sub']]);
    await again.sync();
    assert.deepEqual(await again.files(), ['big/sub/from-a.txt', 'big/sub/later.txt', 'big/sub/notes.txt', 'top.txt']);

    // Excluding big again drops the exception: big/sub leaves too.
    const whole = again.engine.changedSelection(['big'], []);
    assert.deepEqual(whole, { excluded: ['big'], included: [] });
    await again.engine.setExcludedFolders(whole.excluded, whole.included);
    await again.sync();
    assert.deepEqual(await again.files(), ['top.txt']);
  } finally {
    await again.close();
  }
});

test('bad folder paths are refused and change nothing', async () => {
  const [a] = await syncedPair();
  await a.engine.setExcludedFolders(['big']);
  await assert.rejects(a.engine.setExcludedFolders(['big', '../elsewhere']), { code: 'bad_request', message: /"\.\." segment/ });
  assert.deepEqual(a.engine.excludedFolders(), ['big']);
});

test('hsync sync --exclude-folder is kept for later runs, hsync status shows it, --include-folder takes it back; a bad path exits 2', async () => {
  const token = await fx.newUser();
  const b = await fx.client(token, 'desktop');
  await b.write('big/x.txt', 'in big\n');
  await b.write('top.txt', 'top\n');
  await b.sync();
  const [folder, state] = [await tempDir('folder'), await tempDir('state')];
  const sync = (...more: string[]) => runHsync(['sync', '--once', '--folder', folder, '--state', state, '--server', fx.server.url, `--token=${token}`, '--device', 'laptop', ...more]);

  const first = await sync('--exclude-folder', 'big/');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(await listFiles(folder), ['top.txt']);
  const again = await sync();
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await listFiles(folder), ['top.txt'], 'a run without the flag keeps big/ excluded');

  const bad = await sync('--exclude-folder', '../elsewhere');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--exclude-folder \.\.\/elsewhere: give a folder inside /);

  // The running client says which folders it leaves out, and so does hsync status.
  const child = spawn(process.execPath, [...hsyncNodeArgs(), HSYNC, 'sync', '--folder', folder, '--state', state, '--server', fx.server.url, `--token=${token}`, '--device', 'laptop'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        if (/^not synced on this device: big\/$/m.test(stdout)) resolve();
      });
      child.once('exit', () => reject(new Error(`exited early: ${stdout}`)));
    });
    const status = await runHsync(['status', '--state', state]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^ {2}excluded big\/ \(selective sync: not on this device\)$/m);
    assert.deepEqual(JSON.parse((await runHsync(['status', '--state', state, '--json'])).stdout).excludedFolders, ['big']);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);

  const back = await sync('--include-folder', 'big');
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual(await listFiles(folder), ['big/x.txt', 'top.txt']);
});
