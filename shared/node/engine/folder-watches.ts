// One fs.watch per folder under a root (Linux: one inotify watch each), kept in step with
// the tree as folders come and go. A folder's watch reports every create, write, delete and
// rename of the names directly in it, so files need no watch, no stat and no memory of
// their own: 100,000 files in 1,000 folders cost 1,001 watches and nothing per file.
//
// Only folders are listed (readdir with file types, which needs no stat per entry). The one
// stat made is of a name that appeared or went away (a `rename` event), to learn whether a
// folder needs a watch or loses one.

import { lstatSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';

export interface FolderWatchEvents {
  /** Something changed at this absolute path: a file, a folder, or (its names unknown) a folder as a whole. */
  changed(path: string): void;
  /** A watch could not be placed for a reason that ends watching (ENOSPC, EMFILE). */
  failed(error: NodeJS.ErrnoException): void;
}

/** Errors of a folder that vanished or cannot be read while being watched: that folder is skipped, the rest stays watched. */
const QUIET = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'ELOOP']);

export class FolderWatches {
  private readonly watches = new Map<string, FSWatcher>();
  private closed = false;

  /** `skip(dir)` keeps a folder (and what is under it) unwatched. */
  constructor(
    private readonly root: string,
    private readonly skip: (dir: string) => boolean,
    private readonly events: FolderWatchEvents,
  ) {}

  /** Watches the root and every folder below it; resolves once all are listed. */
  start(): Promise<void> {
    return this.add(this.root, false);
  }

  /** Folders watched now. */
  get size(): number {
    return this.watches.size;
  }

  close(): void {
    this.closed = true;
    for (const watcher of this.watches.values()) watcher.close();
    this.watches.clear();
  }

  /**
   * Watches `dir` and the folders below it. With `report`, every name found is reported too:
   * a folder that just appeared (created, or moved in from elsewhere) may already hold files
   * that were made before its watch existed.
   */
  private async add(dir: string, report: boolean): Promise<void> {
    if (this.closed || this.watches.has(dir) || this.skip(dir)) return;
    try {
      const watcher = watch(dir, (event, name) => this.onEvent(dir, event, name));
      // On Linux a removed folder's watch just falls silent; elsewhere it may error. Either
      // way the parent's event (or the next full scan) tells what happened.
      watcher.on('error', () => this.remove(dir));
      this.watches.set(dir, watcher);
    } catch (error) {
      return this.refused(error as NodeJS.ErrnoException);
    }
    // Listed only after its watch exists: a name made in between is seen twice, never missed.
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // Gone or unreadable already; the parent's event removes its watch.
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (report) this.events.changed(path);
      // Dirent types come from readdir itself; a symlink to a folder is not a folder here.
      if (entry.isDirectory()) await this.add(path, report);
    }
  }

  private onEvent(dir: string, event: string, name: string | null): void {
    if (this.closed) return;
    if (!name) {
      // The name is unknown (some platforms, overflowed queues): the folder as a whole changed.
      this.events.changed(dir);
      return;
    }
    const path = join(dir, name);
    this.events.changed(path);
    if (event !== 'rename') return;
    let folder = false;
    try {
      // No exception for a name that is gone (most renames away and deletes): cheaper.
      folder = lstatSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
    } catch {
      // Unreadable (ENOTDIR, EACCES): treated as gone; if it was a folder, its watches go below.
    }
    // A folder that was watched and is a folder again may be a new one under the old name
    // (removed and re-made, or another moved over it): watch it afresh either way.
    this.remove(path);
    if (folder) void this.add(path, true);
  }

  /** Closes the watch of `dir` and of every folder below it. */
  private remove(dir: string): void {
    const watcher = this.watches.get(dir);
    if (!watcher) return; // Sub-folders are only watched while their parent is.
    watcher.close();
    this.watches.delete(dir);
    const prefix = dir + sep;
    for (const [path, below] of this.watches) {
      if (!path.startsWith(prefix)) continue;
      below.close();
      this.watches.delete(path);
    }
  }

  private refused(error: NodeJS.ErrnoException): void {
    if (QUIET.has(error.code ?? '')) return;
    this.close();
    this.events.failed(error);
  }
}
