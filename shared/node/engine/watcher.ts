// Watcher events are hints, never the truth: changed paths are debounced and handed as a
// batch to a targeted scan. If watching fails (ENOSPC: inotify limit, EMFILE) the engine
// keeps going on periodic full scans and shows a warning.
//
// On Linux every folder gets one non-recursive fs.watch (folder-watches.ts): a folder's
// inotify watch already reports each create, write, delete and rename of the names in it,
// so files need no watch and no stat. On macOS and Windows, fs.watch is recursive natively
// (FSEvents, ReadDirectoryChangesW): one watch covers the whole tree there.
//
// Network and FUSE mounts send no kernel events for changes made elsewhere: with `poll`, the
// tree is polled instead (polled-watches.ts).

import { watch } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { RESERVED_DIR } from '../../common/paths.js';
import { DEFAULT_POLL_INTERVAL_MS } from '../../common/sync-api.js';
import { FolderWatches } from './folder-watches.js';
import { pollFolder } from './polled-watches.js';
import { realScheduler } from '../scheduler/real-scheduler.js';
import type { Scheduler, Timer } from '../scheduler/scheduler.js';

export interface HintWatcher {
  close(): Promise<void>;
}

export interface WatchOptions {
  debounceMs: number;
  /** The debounce's clock and timers (default: Node's). */
  scheduler?: Scheduler;
  /** Look for changes by polling (network and FUSE folders) rather than by kernel events. */
  poll?: boolean;
  /** How often polling checks each path (default DEFAULT_POLL_INTERVAL_MS). */
  pollIntervalMs?: number;
  /** A batch of changed paths (relative, '/'-separated). */
  onHints(paths: string[]): void;
  /** Watching failed or degraded; `message` says what to do about it. */
  onError(message: string): void;
  /**
   * Polling only: every path now has a first stat to compare with. A change made before that
   * is not seen as one (the engine scans everything then).
   */
  onReady?(): void;
}

export function watchFolder(root: string, options: WatchOptions): HintWatcher {
  const scheduler = options.scheduler ?? realScheduler;
  const pending = new Set<string>();
  let timer: Timer | null = null;
  let firstAt = 0;
  let lastAt = 0;
  let closed = false;
  const flush = () => {
    if (timer) scheduler.clear(timer);
    timer = null;
    firstAt = 0;
    const paths = [...pending];
    pending.clear();
    if (paths.length > 0 && !closed) options.onHints(paths);
  };
  // Debounce: flush once no event came for debounceMs. One timer per quiet spell, re-armed
  // for the remainder when it fires early, rather than one per event (a copy of 10,000
  // files is 20,000 events). A storm still flushes every few debounce periods, so uploads
  // start before it ends.
  const expire = () => {
    const now = scheduler.now();
    const quietFor = now - lastAt;
    if (quietFor >= options.debounceMs || now - firstAt >= options.debounceMs * 4) return flush();
    timer = scheduler.setTimeout(expire, options.debounceMs - quietFor);
  };
  const prefix = root.endsWith(sep) ? root : root + sep;
  const hint = (absolute: string) => {
    // Paths come from joining onto the root: slicing is enough (path.relative resolves both).
    const native = absolute.startsWith(prefix) ? absolute.slice(prefix.length) : relative(root, absolute);
    const rel = sep === '/' ? native : native.split(sep).join('/');
    if (rel === '' || rel === '..' || rel.startsWith('../') || isReserved(rel)) return;
    pending.add(rel);
    lastAt = scheduler.now();
    if (firstAt === 0) firstAt = lastAt;
    if (lastAt - firstAt >= options.debounceMs * 4) return flush();
    timer ??= scheduler.setTimeout(expire, options.debounceMs);
  };
  // Reported after watchFolder has returned (a watch can fail while it starts), so the
  // caller already holds the watcher it is told to drop.
  const fail = (error: NodeJS.ErrnoException) => queueMicrotask(() => !closed && options.onError(errorMessage(error)));
  const reservedDir = join(root, RESERVED_DIR);

  let stop: () => void | Promise<void>;
  if (options.poll) {
    const polled = pollFolder(root, (path) => path === reservedDir, { changed: hint, failed: fail }, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    void polled.ready.then(() => !closed && options.onReady?.());
    stop = () => polled.close();
  } else if (process.platform === 'darwin' || process.platform === 'win32') {
    try {
      const watcher = watch(root, { recursive: true }, (_event, name) => hint(name ? join(root, name) : root));
      watcher.on('error', (error) => fail(error as NodeJS.ErrnoException));
      stop = () => watcher.close();
    } catch (error) {
      fail(error as NodeJS.ErrnoException);
      stop = () => undefined;
    }
  } else {
    const folders = new FolderWatches(root, (dir) => dir === reservedDir, { changed: hint, failed: fail });
    void folders.start();
    stop = () => folders.close();
  }
  return {
    async close() {
      closed = true;
      if (timer) scheduler.clear(timer);
      await stop();
    },
  };
}

function errorMessage(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOSPC') return 'File watching hit the system limit (raise fs.inotify.max_user_watches, e.g. sysctl fs.inotify.max_user_watches=524288); using periodic scans';
  if (error.code === 'EMFILE') return 'Too many open files for file watching; using periodic scans';
  return `File watching failed (${error.message}); using periodic scans`;
}

function isReserved(rel: string): boolean {
  return rel === RESERVED_DIR || rel.startsWith(RESERVED_DIR + '/');
}
