// Every path the engine writes, renames, deletes or reads is joined to the root, and the OS
// follows a symbolic link anywhere on it: a folder inside the root that is a link to
// elsewhere would take a download, a deletion or a conflict rename out of the root. So each
// folder on the path is lstat'ed right before the operation (docs/engine.md "Symlinks").

import { join } from 'node:path';
import { SyncError } from '../../common/errors.js';
import type { FileSystem } from '../fs/file-system.js';

/**
 * The first folder of `path` (relative to `root`, '/'-separated) that is a symbolic link, or
 * null. With `itself`, the last segment counts too (for a read, which would follow it). A
 * folder that does not exist ends the check: what is made there later is a real folder.
 */
export function linkOnPath(fs: FileSystem, root: string, path: string, itself = false): string | null {
  const segments = path.split('/');
  const last = itself ? segments.length : segments.length - 1;
  let rel = '';
  for (let i = 0; i < last; i++) {
    rel = rel ? `${rel}/${segments[i]}` : segments[i];
    let stat;
    try {
      stat = fs.lstatSync(join(root, rel));
    } catch {
      return null; // ENOTDIR: a file stands on the way, and the operation fails on its own
    }
    if (!stat) return null;
    if (stat.isSymbolicLink()) return rel;
  }
  return null;
}

/** Throws `<operation> "<path>": refused, ...` when a folder on the path is a symbolic link. */
export function refuseLinkedPath(fs: FileSystem, root: string, path: string, operation: string, itself = false): void {
  const link = linkOnPath(fs, root, path, itself);
  if (link !== null) {
    throw new SyncError('invalid_path', `${operation} "${path}": refused, "${link}" is a symbolic link and is not followed`);
  }
}
