// Change hints for folders whose file system sends no events for what other machines do:
// network mounts (NFS, SMB) and FUSE. chokidar polls every folder and file under the root
// with stat (fs.watchFile: no file descriptor and no inotify watch per path), and handles
// atomic saves (a delete and re-create within 100 ms is one change). Polling costs a stat
// per path per interval and memory per file, so it is opt-in (`hsync sync --poll`,
// Preferences), at an interval the user picks (`--poll-interval`, default 2 s);
// README.md "Architecture" has the figures.

import { watch } from 'chokidar';
import type { FolderWatchEvents } from './folder-watches.js';

export interface PolledWatches {
  /** Resolves once every path under the root is polled. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Polls the tree under `root`, each path every `intervalMs` (a change shows within this plus
 * the debounce); `skip(path)` keeps a path (and what is under it) unpolled.
 */
export function pollFolder(root: string, skip: (path: string) => boolean, events: FolderWatchEvents, intervalMs: number): PolledWatches {
  const watcher = watch(root, {
    usePolling: true,
    interval: intervalMs,
    binaryInterval: intervalMs,
    ignoreInitial: true, // the engine's first full scan finds what is there
    followSymlinks: false, // a linked folder is out of scope (docs/engine.md "Symlinks")
    ignorePermissionErrors: true, // an unreadable path is reported by the scan, not the watcher
    atomic: true,
    ignored: (path) => skip(path),
  });
  watcher.on('all', (_event, path) => events.changed(path));
  watcher.on('error', (error) => events.failed(error as NodeJS.ErrnoException));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
