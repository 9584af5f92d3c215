// The letter case a case-insensitive disk actually holds (docs/engine.md "Names"). There,
// "plan.txt" opens "Plan.txt": the same file, and an inode number cannot be trusted to say so
// (a FUSE file system such as exfat-fuse numbers each spelling of a name apart). Only the
// folder listing tells which spelling is on the disk.

import { join } from 'node:path';
import type { FileSystem } from '../fs/file-system.js';

/** The entry of folder `dirAbs` named `name` in some letter case (the exact one first), or null. */
function nameOnDisk(fs: FileSystem, dirAbs: string, name: string): string | null {
  let names: string[];
  try {
    names = fs.readdirSync(dirAbs);
  } catch {
    return null;
  }
  if (names.includes(name)) return name;
  const lower = name.toLowerCase();
  return names.find((n) => n.toLowerCase() === lower) ?? null;
}

/**
 * True when the disk holds `path` (relative) only under another letter case in its last
 * name: then it is another sync path's file, and deleting or replacing `path` would take it.
 */
export function heldUnderOtherCase(fs: FileSystem, root: string, path: string): boolean {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  const found = nameOnDisk(fs, join(root, path.slice(0, Math.max(slash, 0))), name);
  return found !== null && found !== name;
}

/**
 * Renames the folders on the way to `path` (relative) whose name on the disk differs from
 * the path's only in letter case, so a case-only move of a folder's files moves the folder's
 * name too. Folders not there yet are left for mkdir.
 */
export function matchFolderCase(fs: FileSystem, root: string, path: string): void {
  const segments = path.split('/').slice(0, -1);
  let dir = root;
  for (const segment of segments) {
    const found = nameOnDisk(fs, dir, segment);
    if (found === null) return;
    if (found !== segment) fs.renameSync(join(dir, found), join(dir, segment));
    dir = join(dir, segment);
  }
}
