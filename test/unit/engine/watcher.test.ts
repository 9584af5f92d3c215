// The folder watcher against a real temp folder: every kind of file change still arrives as
// a hint although only folders are watched (one inotify watch per folder, none per file).
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { watchFolder, type HintWatcher } from '../../../shared/node/engine/watcher.js';

const root = mkdtempSync(join(tmpdir(), 'hsync-watch-'));
let watcher: HintWatcher | null = null;
after(async () => {
  await watcher?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Hints seen since the last take(), waiting until `expected` are all in. */
const seen = new Set<string>();
async function hintsFor(expected: string[], action: () => void): Promise<void> {
  seen.clear();
  action();
  const deadline = Date.now() + 5_000;
  while (!expected.every((path) => seen.has(path))) {
    if (Date.now() > deadline) assert.fail(`expected hints ${JSON.stringify(expected)}, got ${JSON.stringify([...seen])}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** inotify watches this process holds (Linux), or null where /proc cannot tell. */
function inotifyWatches(): number | null {
  try {
    let count = 0;
    for (const fd of readdirSync('/proc/self/fdinfo')) {
      try {
        count += (readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^inotify /gm) ?? []).length;
      } catch {
        // The descriptor closed while we looked.
      }
    }
    return count;
  } catch {
    return null;
  }
}

test('file changes deep in the tree arrive as hints with folder watches only', async () => {
  mkdirSync(join(root, 'a/b'), { recursive: true });
  mkdirSync(join(root, '.hsync/tmp'), { recursive: true });
  for (let i = 0; i < 50; i++) writeFileSync(join(root, 'a/b', `f${i}.txt`), `file ${i}`);
  writeFileSync(join(root, 'top.txt'), 'top');
  watcher = watchFolder(root, { debounceMs: 30, onHints: (paths) => paths.forEach((p) => seen.add(p)), onError: (m) => assert.fail(m) });
  // chokidar reports 'ready' internally; give it a moment to list the folders.
  await new Promise((r) => setTimeout(r, 400));

  const watches = inotifyWatches();
  if (watches !== null) assert.equal(watches, 3, 'one watch each for the root, a and a/b; none for the 51 files or .hsync');

  await hintsFor(['a/b/f1.txt'], () => appendFileSync(join(root, 'a/b/f1.txt'), ' modified'));
  await hintsFor(['a/b/new.txt'], () => writeFileSync(join(root, 'a/b/new.txt'), 'created'));
  await hintsFor(['a/b/f2.txt'], () => rmSync(join(root, 'a/b/f2.txt')));
  await hintsFor(['a/b/f3.txt', 'a/moved.txt'], () => renameSync(join(root, 'a/b/f3.txt'), join(root, 'a/moved.txt')));
  await hintsFor(['top.txt'], () => writeFileSync(join(root, 'top.txt'), 'rewritten'));
  // A new folder with files: the folder is hinted (a scan of it finds its files), and files
  // written into it afterwards are hinted one by one once chokidar watches it.
  await hintsFor(['n'], () => {
    mkdirSync(join(root, 'n/m'), { recursive: true });
    writeFileSync(join(root, 'n/m/first.txt'), 'first');
  });
  await new Promise((r) => setTimeout(r, 300));
  await hintsFor(['n/m/later.txt'], () => writeFileSync(join(root, 'n/m/later.txt'), 'later'));
  await hintsFor(['a'], () => rmSync(join(root, 'a'), { recursive: true }));
});

test('nothing under .hsync/ is hinted', async () => {
  assert.ok(watcher, 'runs after the first test');
  seen.clear();
  writeFileSync(join(root, '.hsync/tmp/partial'), 'engine-owned');
  writeFileSync(join(root, 'marker.txt'), 'x');
  await hintsFor(['marker.txt'], () => undefined);
  assert.deepEqual([...seen].filter((p) => p.startsWith('.hsync')), []);
});
