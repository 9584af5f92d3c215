// Watcher events are hints, never the truth: changed paths are debounced and handed as a
// batch to a targeted scan. If watching fails (ENOSPC: inotify limit, EMFILE) the engine
// keeps going on periodic full scans and shows a warning.
//
// chokidar watches folders only. Its default puts an fs.watch (an inotify watch, an
// FSWatcher and a retained fs.Stats) on every file: about 7 KB of heap per file, 740 MB for
// 100,000 files. A folder's inotify watch already reports every create, write, delete and
// rename of the files in it, so those arrive as chokidar's `raw` events (name relative to
// the watched folder) and become hints; chokidar still does the recursive part, watching
// new folders as they appear and dropping removed ones.

import { join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { RESERVED_DIR } from '../../common/paths.js';

export interface HintWatcher {
  close(): Promise<void>;
}

export interface WatchOptions {
  debounceMs: number;
  /** A batch of changed paths (relative, '/'-separated). */
  onHints(paths: string[]): void;
  /** Watching failed or degraded; `message` says what to do about it. */
  onError(message: string): void;
}

interface RawDetails {
  watchedPath?: string;
}

export function watchFolder(root: string, options: WatchOptions): HintWatcher {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let firstAt = 0;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    firstAt = 0;
    const paths = [...pending];
    pending.clear();
    if (paths.length > 0) options.onHints(paths);
  };
  const hint = (absolute: string) => {
    const rel = relative(root, absolute).split(sep).join('/');
    if (rel === '' || rel === '..' || rel.startsWith('../') || isReserved(rel)) return;
    pending.add(rel);
    // Debounce, but a storm of events (a big copy) still flushes every few debounce periods,
    // so uploads start before the storm ends.
    if (firstAt === 0) firstAt = Date.now();
    if (Date.now() - firstAt >= options.debounceMs * 4) return flush();
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, options.debounceMs);
  };
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    // Called with stats when chokidar lists a folder, and without them for paths it already
    // tracks (which are folders only, so "not ignored" is right there). Anything that is not
    // a folder gets no watch of its own; the root is always watched.
    ignored: (path: string, stats?: { isDirectory(): boolean }) => {
      const rel = relative(root, path);
      if (rel === '') return false;
      if (isReserved(rel.split(sep).join('/'))) return true;
      return stats !== undefined && !stats.isDirectory();
    },
  });
  // Folder events (addDir, unlinkDir) from chokidar itself.
  watcher.on('all', (_event, path) => hint(path));
  // File events, reported by the watch on their folder.
  watcher.on('raw', (_event, name: unknown, details: unknown) => {
    const dir = (details as RawDetails | undefined)?.watchedPath;
    if (typeof dir !== 'string') return;
    hint(typeof name === 'string' && name !== '' ? join(dir, name) : dir);
  });
  watcher.on('error', (error) => {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOSPC'
        ? 'File watching hit the system limit (raise fs.inotify.max_user_watches, e.g. sysctl fs.inotify.max_user_watches=524288); using periodic scans'
        : code === 'EMFILE'
          ? 'Too many open files for file watching; using periodic scans'
          : `File watching failed (${(error as Error).message}); using periodic scans`;
    options.onError(message);
  });
  return {
    async close() {
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}

function isReserved(rel: string): boolean {
  return rel === RESERVED_DIR || rel.startsWith(RESERVED_DIR + '/');
}
