// The folder watcher against real temp folders: every kind of file change arrives as a hint
// although only folders are watched (one inotify watch per folder, none per file); folders
// that appear get watches and their contents hinted, folders that go lose their watches.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { watchFolder, type HintWatcher } from '../../../shared/node/engine/watcher.js';
import { inotifyWatches } from '../../helpers/inotify.js';

let watcher: HintWatcher | null = null;
const made: string[] = [];
afterEach(async () => {
  await watcher?.close();
  watcher = null;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Hints seen since the last hintsFor(). */
const seen = new Set<string>();
function start(root: string): void {
  seen.clear();
  watcher = watchFolder(root, { debounceMs: 30, onHints: (paths) => paths.forEach((p) => seen.add(p)), onError: (m) => assert.fail(m) });
}

/** Starts a polling watcher; resolves once it has stat'ed every path. */
async function startPolling(root: string, pollIntervalMs?: number): Promise<void> {
  seen.clear();
  let ready = false;
  watcher = watchFolder(root, { debounceMs: 30, poll: true, pollIntervalMs, onHints: (paths) => paths.forEach((p) => seen.add(p)), onError: (m) => assert.fail(m), onReady: () => (ready = true) });
  await waitUntil(() => ready, () => 'the polling watcher never became ready');
}

/** Runs `action`, then waits until every expected path has been hinted. */
async function hintsFor(expected: string[], action: () => void): Promise<void> {
  seen.clear();
  action();
  await waitUntil(() => expected.every((path) => seen.has(path)), () => `expected hints ${JSON.stringify(expected)}, got ${JSON.stringify([...seen].sort())}`);
}

async function waitUntil(check: () => boolean, why: () => string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(why());
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Tests that count watches need /proc/self/fdinfo; elsewhere they are skipped, with this reason. */
const COUNTS_WATCHES = inotifyWatches() === null ? 'counts inotify watches through /proc/self/fdinfo (Linux only)' : false;

/** Waits until this process holds exactly `count` inotify watches. */
async function watchesBecome(count: number, why: string): Promise<void> {
  await waitUntil(() => inotifyWatches() === count, () => `${why}: expected ${count} inotify watches, have ${inotifyWatches()}`);
}

test('file changes deep in the tree arrive as hints with folder watches only', { skip: COUNTS_WATCHES }, async () => {
  const root = tempDir('hsync-watch-');
  mkdirSync(join(root, 'a/b'), { recursive: true });
  mkdirSync(join(root, '.hsync/tmp'), { recursive: true });
  for (let i = 0; i < 50; i++) writeFileSync(join(root, 'a/b', `f${i}.txt`), `file ${i}`);
  writeFileSync(join(root, 'top.txt'), 'top');
  start(root);
  await watchesBecome(3, 'one watch each for the root, a and a/b; none for the 51 files or .hsync');

  await hintsFor(['a/b/f1.txt'], () => appendFileSync(join(root, 'a/b/f1.txt'), ' modified'));
  await hintsFor(['a/b/new.txt'], () => writeFileSync(join(root, 'a/b/new.txt'), 'created'));
  await hintsFor(['a/b/f2.txt'], () => rmSync(join(root, 'a/b/f2.txt')));
  await hintsFor(['a/b/f3.txt', 'a/moved.txt'], () => renameSync(join(root, 'a/b/f3.txt'), join(root, 'a/moved.txt')));
  await hintsFor(['top.txt'], () => writeFileSync(join(root, 'top.txt'), 'rewritten'));
  await hintsFor(['a'], () => rmSync(join(root, 'a'), { recursive: true }));
  await watchesBecome(1, 'a and a/b removed: the root alone is watched');
});

test('nothing under .hsync/ is hinted', { skip: COUNTS_WATCHES }, async () => {
  const root = tempDir('hsync-watch-');
  mkdirSync(join(root, '.hsync/tmp'), { recursive: true });
  start(root);
  await watchesBecome(1, 'the root only');
  writeFileSync(join(root, '.hsync/tmp/partial'), 'engine-owned');
  mkdirSync(join(root, '.hsync/tmp/sub'));
  await hintsFor(['marker.txt'], () => writeFileSync(join(root, 'marker.txt'), 'x'));
  assert.deepEqual([...seen].filter((p) => p.startsWith('.hsync')), []);
  assert.equal(inotifyWatches() ?? 1, 1, '.hsync/ and its sub-folders stay unwatched');
});

test('polling (network and FUSE folders): every kind of change is hinted with no inotify watch at all, nothing under .hsync/', { skip: COUNTS_WATCHES }, async () => {
  const root = tempDir('hsync-poll-');
  mkdirSync(join(root, 'a/b'), { recursive: true });
  mkdirSync(join(root, '.hsync/tmp'), { recursive: true });
  for (let i = 0; i < 5; i++) writeFileSync(join(root, 'a/b', `f${i}.txt`), `file ${i}`);
  await startPolling(root);
  await hintsFor(['a/b/f1.txt'], () => appendFileSync(join(root, 'a/b/f1.txt'), ' modified'));
  assert.equal(inotifyWatches(), 0, 'polling holds no inotify watch');
  await hintsFor(['a/b/new.txt'], () => writeFileSync(join(root, 'a/b/new.txt'), 'created'));
  await hintsFor(['a/b/f2.txt'], () => rmSync(join(root, 'a/b/f2.txt')));
  await hintsFor(['a/b/f3.txt', 'a/moved.txt'], () => renameSync(join(root, 'a/b/f3.txt'), join(root, 'a/moved.txt')));
  await hintsFor(['c', 'c/inside.txt'], () => {
    mkdirSync(join(root, 'c'));
    writeFileSync(join(root, 'c/inside.txt'), 'in a new folder');
  });
  writeFileSync(join(root, '.hsync/tmp/partial'), 'engine-owned');
  await hintsFor(['marker.txt'], () => writeFileSync(join(root, 'marker.txt'), 'x'));
  assert.deepEqual([...seen].filter((p) => p.startsWith('.hsync')), []);
});

test('polling checks each path at the interval asked for: a change made just after a check shows one interval later', async () => {
  for (const intervalMs of [1500, 150]) {
    const root = tempDir('hsync-poll-interval-');
    writeFileSync(join(root, 'watched.txt'), 'first');
    await startPolling(root, intervalMs);
    // Ready means every path has just had its first check; the next comes an interval later.
    const changedAt = Date.now();
    await hintsFor(['watched.txt'], () => appendFileSync(join(root, 'watched.txt'), ' then more'));
    const took = Date.now() - changedAt;
    if (intervalMs === 1500) assert.ok(took >= 750 && took < 3000, `seen after ${took} ms with a 1500 ms interval`);
    else assert.ok(took < 1000, `seen after ${took} ms with a 150 ms interval`);
    await watcher?.close();
    watcher = null;
  }
});

test('a folder made with files already inside: the folder, every file and every sub-folder are hinted and watched', { skip: COUNTS_WATCHES }, async () => {
  const root = tempDir('hsync-watch-');
  start(root);
  await watchesBecome(1, 'the root only');
  const inside = ['n', 'n/first.txt', 'n/m', 'n/m/deep.txt', 'n/m/k', 'n/m/k/deeper.txt'];
  await hintsFor(inside, () => {
    // Written straight after mkdir, before the watcher can have watched n or n/m.
    mkdirSync(join(root, 'n/m/k'), { recursive: true });
    writeFileSync(join(root, 'n/first.txt'), 'first');
    writeFileSync(join(root, 'n/m/deep.txt'), 'deep');
    writeFileSync(join(root, 'n/m/k/deeper.txt'), 'deeper');
  });
  await watchesBecome(4, 'the root, n, n/m and n/m/k');
  await hintsFor(['n/m/k/later.txt'], () => writeFileSync(join(root, 'n/m/k/later.txt'), 'later'));
});

test('a folder tree moved in from outside the root is hinted whole and watched; moved out, its watches are released', { skip: COUNTS_WATCHES }, async () => {
  const root = tempDir('hsync-watch-');
  const outside = tempDir('hsync-outside-');
  mkdirSync(join(outside, 'tree/x/y'), { recursive: true });
  const files = ['tree/top.txt', 'tree/x/one.txt', 'tree/x/y/two.txt', 'tree/x/y/three.txt'];
  for (const file of files) writeFileSync(join(outside, file), file);
  start(root);
  await watchesBecome(1, 'the root only');

  await hintsFor(['tree', 'tree/x', 'tree/x/y', ...files], () => renameSync(join(outside, 'tree'), join(root, 'tree')));
  await watchesBecome(4, 'the root, tree, tree/x and tree/x/y');
  await hintsFor(['tree/x/y/new.txt'], () => writeFileSync(join(root, 'tree/x/y/new.txt'), 'new'));

  // Moved out, the folders still exist: only closing their watches frees them.
  await hintsFor(['tree'], () => renameSync(join(root, 'tree'), join(outside, 'gone')));
  await watchesBecome(1, 'tree moved out of the root');
  seen.clear();
  writeFileSync(join(outside, 'gone/x/y/after.txt'), 'not ours');
  await hintsFor(['marker.txt'], () => writeFileSync(join(root, 'marker.txt'), 'x'));
  assert.deepEqual([...seen], ['marker.txt'], 'nothing outside the root is hinted');
});

test('a folder moved within the root keeps being watched under its new name', { skip: COUNTS_WATCHES }, async () => {
  const root = tempDir('hsync-watch-');
  mkdirSync(join(root, 'from/sub'), { recursive: true });
  mkdirSync(join(root, 'to'));
  writeFileSync(join(root, 'from/sub/file.txt'), 'file');
  start(root);
  await watchesBecome(4, 'the root, from, from/sub and to');
  await hintsFor(['from', 'to/from', 'to/from/sub/file.txt'], () => renameSync(join(root, 'from'), join(root, 'to/from')));
  await watchesBecome(4, 'the root, to, to/from and to/from/sub');
  await hintsFor(['to/from/sub/later.txt'], () => writeFileSync(join(root, 'to/from/sub/later.txt'), 'later'));
  assert.ok(![...seen].some((p) => p.startsWith('from/')), `no hint under the old name: ${JSON.stringify([...seen])}`);
});

test('a folder removed and made again under the same name is watched again', { skip: COUNTS_WATCHES }, async () => {
  const root = tempDir('hsync-watch-');
  mkdirSync(join(root, 'again'));
  start(root);
  await watchesBecome(2, 'the root and again');
  await hintsFor(['again', 'again/inside.txt'], () => {
    rmSync(join(root, 'again'), { recursive: true });
    mkdirSync(join(root, 'again'));
    writeFileSync(join(root, 'again/inside.txt'), 'inside');
  });
  await watchesBecome(2, 'the root and the new again');
  await hintsFor(['again/later.txt'], () => writeFileSync(join(root, 'again/later.txt'), 'later'));
});

test('hints are debounced into batches, and a storm of events still flushes while it lasts', { skip: COUNTS_WATCHES }, async () => {
  const root = tempDir('hsync-watch-');
  const batches: { at: number; paths: string[] }[] = [];
  watcher = watchFolder(root, { debounceMs: 50, onHints: (paths) => batches.push({ at: Date.now(), paths }), onError: (m) => assert.fail(m) });
  await watchesBecome(1, 'the root only');
  const start = Date.now();
  let i = 0;
  while (Date.now() - start < 800) {
    writeFileSync(join(root, `storm${i++}.txt`), 'x');
    await new Promise((r) => setTimeout(r, 10));
  }
  const stormEnd = Date.now();
  await waitUntil(() => batches.flatMap((b) => b.paths).filter((p) => p.startsWith('storm')).length >= i, () => `hinted ${batches.flatMap((b) => b.paths).length} of ${i}`);
  assert.ok(batches.some((b) => b.at < stormEnd - 200), 'a batch was handed over while the storm went on');
  assert.ok(batches.length < i / 3, `${i} files in ${batches.length} batches`);
  const quiet = batches.length;
  const written = Date.now();
  writeFileSync(join(root, 'single.txt'), 'x');
  await waitUntil(() => batches.length > quiet, () => 'single.txt was never hinted');
  const delay = batches.at(-1)!.at - written;
  assert.deepEqual(batches.at(-1)!.paths, ['single.txt']);
  assert.ok(delay >= 45, `flushed after ${delay} ms, before the debounce`);
});
