// Folders inside the root that are symbolic links, as the scans found them. Paths under one
// are out of the plan's scope, like ignored ones: a synced folder replaced by a link is not
// a deletion (its files are still there, behind the link), and a server file under it is
// reported instead of downloaded (docs/engine.md "Symlinks").

import { SYMLINK_SKIP } from './scanner.js';
import type { Skipped } from './scanner.js';

export class LinkedFolders {
  private links = new Set<string>();

  /** Takes a scan's skips: a full scan's replace the set, a targeted scan's add to it. */
  update(skipped: readonly Skipped[], full: boolean): void {
    const found = skipped.filter((s) => s.reason === SYMLINK_SKIP).map((s) => s.path);
    if (full) this.links = new Set(found);
    else for (const path of found) this.links.add(path);
  }

  /** The link on the way to `path` (a folder strictly above it), or null. */
  above(path: string): string | null {
    if (this.links.size === 0) return null;
    for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
      if (this.links.has(path.slice(0, slash))) return path.slice(0, slash);
    }
    return null;
  }

  /** Calls `report` for every live file of the remote tree under a link. */
  reportUnder(remote: ReadonlyMap<string, { deleted: boolean }>, report: (path: string, link: string) => void): void {
    if (this.links.size === 0) return;
    for (const [path, entry] of remote) {
      const link = entry.deleted ? null : this.above(path);
      if (link !== null) report(path, link);
    }
  }
}
