// Watcher events are hints, never the truth: chokidar reports paths, we debounce them and
// hand the batch to a targeted scan. If watching fails (ENOSPC: inotify limit, EMFILE) the
// engine keeps going on periodic full scans and shows a warning.

import { relative, sep } from 'node:path';
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
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    ignored: (path: string) => {
      const rel = relative(root, path);
      return rel === RESERVED_DIR || rel.startsWith(RESERVED_DIR + sep);
    },
  });
  watcher.on('all', (_event, path) => {
    const rel = relative(root, path).split(sep).join('/');
    if (rel === '' || rel.startsWith('..')) return;
    pending.add(rel);
    // Debounce, but a storm of events (a big copy) still flushes every few debounce periods,
    // so uploads start before the storm ends.
    if (firstAt === 0) firstAt = Date.now();
    if (Date.now() - firstAt >= options.debounceMs * 4) return flush();
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, options.debounceMs);
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
