// inotify watches a process holds, read from /proc (Linux): what a watcher really costs the
// kernel, and proof that a polling watcher uses none.

import { readFileSync, readdirSync } from 'node:fs';

/** inotify watches process `pid` holds (default: this one), or null where /proc cannot tell. */
export function inotifyWatches(pid: number | 'self' = 'self'): number | null {
  try {
    let count = 0;
    for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
      try {
        count += (readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').match(/^inotify /gm) ?? []).length;
      } catch {
        // The descriptor closed while we looked.
      }
    }
    return count;
  } catch {
    return null;
  }
}
