// The local index: survives a killed owner's stale lock, refuses a live second owner, and
// sets a damaged file aside instead of trusting it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ContentHash, BlockHash } from '../../../shared/common/blocks.js';
import { IndexStore } from '../../../shared/node/engine/index-store.js';

const dir = mkdtempSync(join(tmpdir(), 'hsync-index-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const entry = { path: 'a.txt', rev: 3, fileId: 'f1', contentHash: 'c'.repeat(64) as ContentHash, size: 5, mtime: 1.5, ino: 7, remoteMtime: 9 };

test('base, remote entries, cursor and block locations persist across reopen', () => {
  const file = join(dir, 'one', 'index.sqlite');
  const store = new IndexStore(file);
  store.setBase(entry, ['b'.repeat(64) as BlockHash]);
  store.addRemote([{ id: 4, path: 'n.txt', rev: 4, fileId: 'f2', deleted: false, size: 1, mtime: 1, contentHash: 'd'.repeat(64) as ContentHash, blocks: [], device: 'x', committedAt: 0 }], 4);
  store.close();
  const again = new IndexStore(file);
  assert.deepEqual(again.base.get('a.txt'), entry);
  assert.equal(again.remote.get('n.txt')?.rev, 4);
  assert.equal(again.cursor, 4);
  assert.deepEqual(again.locate('b'.repeat(64) as BlockHash), [{ path: 'a.txt', index: 0 }]);
  again.close();
});

test('a lock left by a killed process does not block the next start', () => {
  const file = join(dir, 'two', 'index.sqlite');
  new IndexStore(file).close();
  mkdirSync(`${file}.lock`); // what the wasm SQLite leaves after SIGKILL mid-transaction
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  writeFileSync(join(dir, 'two', 'index.owner'), dead);
  const store = new IndexStore(file);
  assert.equal(store.uncleanStop, true, 'the killed owner never closed it');
  store.setMeta('k', 'v');
  assert.equal(store.getMeta('k'), 'v');
  store.close();
  const after = new IndexStore(file);
  assert.equal(after.uncleanStop, false, 'closed cleanly last time');
  after.close();
});

test('a second live owner is refused with a clear error', () => {
  const file = join(dir, 'three', 'index.sqlite');
  const store = new IndexStore(file);
  writeFileSync(join(dir, 'three', 'index.owner'), String(process.ppid));
  assert.throws(() => new IndexStore(file), /in use by process/);
  store.close();
});

test('a damaged index is set aside and rebuilt empty, never trusted', () => {
  const file = join(dir, 'four', 'index.sqlite');
  mkdirSync(join(dir, 'four'));
  writeFileSync(file, 'this is not a database'.repeat(100));
  const store = new IndexStore(file);
  assert.equal(store.base.size, 0);
  assert.match(store.getMeta('rebuiltFrom') ?? '', /damaged/);
  store.close();
  assert.ok(readdirSync(join(dir, 'four')).some((name) => name.startsWith('index.sqlite.damaged-')));
});

test('a file given new content has only its new block locations, also after a reopen', () => {
  const file = join(dir, 'relocate', 'index.sqlite');
  const [old, now, later] = ['1', '2', '3'].map((c) => c.repeat(64) as BlockHash);
  const store = new IndexStore(file);
  store.setBase(entry, [old]);
  store.setBase({ ...entry, rev: 4 }, [now]);
  assert.deepEqual(store.locate(old), []);
  assert.deepEqual(store.locate(now), [{ path: 'a.txt', index: 0 }]);
  store.close();
  const again = new IndexStore(file);
  again.setBase({ ...entry, rev: 5 }, [later]);
  assert.deepEqual(again.locate(now), []);
  assert.deepEqual(again.locate(later), [{ path: 'a.txt', index: 0 }]);
  again.close();
});

const remoteEntry = (path: string, rev: number) => ({ id: rev, path, rev, fileId: `f${rev}`, deleted: false, size: 1, mtime: 1, contentHash: 'd'.repeat(64) as ContentHash, blocks: [], device: 'x', committedAt: 0 });

/** What another process would read from the file now: the cursor and the remote paths. */
function onDisk(file: string): { cursor: string | null; remote: string[] } {
  const script = `
    const sqlite = require('node-sqlite3-wasm');
    const db = new sqlite.Database(${JSON.stringify(file)}, { readOnly: true });
    const cursor = db.get("SELECT value FROM meta WHERE key = 'cursor'");
    const remote = db.all('SELECT path FROM remote ORDER BY path').map((r) => r.path);
    process.stdout.write(JSON.stringify({ cursor: cursor ? cursor.value : null, remote }));`;
  const out = spawnSync(process.execPath, ['-e', script], { cwd: join(import.meta.dirname, '..', '..', '..') });
  assert.equal(out.status, 0, out.stderr.toString());
  return JSON.parse(out.stdout.toString());
}

test('pulled entries wait in memory and are written with the cursor by the next transaction', () => {
  const file = join(dir, 'five', 'index.sqlite');
  const store = new IndexStore(file);
  store.addRemote([remoteEntry('p.txt', 5), remoteEntry('q.txt', 6)], 6);
  assert.equal(store.cursor, 6);
  assert.equal(store.remote.get('q.txt')?.rev, 6);
  assert.deepEqual(onDisk(file), { cursor: null, remote: [] }, 'nothing written yet: a crash re-pulls from 0');
  // The next transaction writes them first, so a base written in it clears its own entry.
  store.setBase({ ...entry, path: 'p.txt', rev: 5 }, []);
  assert.deepEqual(onDisk(file), { cursor: '6', remote: ['q.txt'] });
  store.addRemote([remoteEntry('r.txt', 7)], 7);
  store.close();
  const again = new IndexStore(file);
  assert.equal(again.cursor, 7);
  assert.deepEqual([...again.remote.keys()].sort(), ['q.txt', 'r.txt']);
  again.close();
});

test('a rolled-back transaction does not lose pulled entries: the next one writes them again', () => {
  const file = join(dir, 'six', 'index.sqlite');
  const store = new IndexStore(file);
  store.addRemote([remoteEntry('p.txt', 5)], 5);
  assert.throws(() =>
    store.transaction(() => {
      throw new Error('disk trouble');
    }),
  );
  assert.deepEqual(onDisk(file), { cursor: null, remote: [] });
  store.addRemote([remoteEntry('q.txt', 6)], 6);
  store.transaction(() => store.setMeta('k', 'v'));
  assert.deepEqual(onDisk(file), { cursor: '6', remote: ['p.txt', 'q.txt'] });
  store.close();
});

test('baseToRemote: the base becomes a pending remote entry that survives reopen, unless a newer one waits', () => {
  const file = join(dir, 'excluded', 'index.sqlite');
  const store = new IndexStore(file);
  const block = 'b'.repeat(64) as BlockHash;
  store.setBase(entry, [block]);
  store.setBase({ ...entry, path: 'b.txt' }, [block]);
  store.addRemote([{ id: 9, path: 'b.txt', rev: 9, fileId: 'f1', deleted: false, size: 2, mtime: 1, contentHash: 'e'.repeat(64) as ContentHash, blocks: [block], device: 'x', committedAt: 0 }], 9);
  store.baseToRemote('a.txt', 'laptop');
  store.baseToRemote('b.txt', 'laptop');
  store.close();
  const again = new IndexStore(file);
  assert.equal(again.base.size, 0);
  assert.deepEqual(again.locate(block), [], 'no local file holds the block any more');
  assert.deepEqual(again.remote.get('a.txt'), { id: 0, path: 'a.txt', rev: 3, fileId: 'f1', deleted: false, size: 5, mtime: 9, contentHash: entry.contentHash, blocks: [block], device: 'laptop', committedAt: 0 });
  assert.equal(again.remote.get('b.txt')?.rev, 9, 'the newer pending entry is kept');
  again.close();
});
