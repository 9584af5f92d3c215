// Small disk operations the executor needs, each re-checking the disk right before acting.

import { dirname, join } from 'node:path';
import type { FileStats, FileSystem } from '../fs/file-system.js';
import { hashSnapshot } from './hash-snapshot.js';
import { linkOnPath } from './inside-root.js';
import { sameStat } from './scanner.js';
import type { BaseEntry } from './types.js';

/**
 * The entry's lstat, or null when nothing is there. Synchronous and without an exception for
 * a missing path (the port's lstatSync): every new file a download writes is first checked this
 * way, and an ENOENT error object with its stack, through a thread-pool round trip, cost
 * more than the lstat itself.
 */
export async function lstatOrNull(fs: FileSystem, path: string): Promise<FileStats | null> {
  try {
    return fs.lstatSync(path) ?? null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

/**
 * True when the file at `abs` still holds the expected version (the base, or what the scan
 * saw): same stat, or (after a touch or a rename-into-place by an editor) the same content hash.
 */
export async function stillMatches(fs: FileSystem, abs: string, expect: Pick<BaseEntry, 'size' | 'mtime' | 'ino'> & { contentHash: string | null }, now: FileStats): Promise<boolean> {
  if (!now.isFile()) return false;
  if (sameStat(expect, now)) return true;
  if (now.size !== expect.size) return false;
  const snapshot = await hashSnapshot(fs, abs).catch(() => null);
  return snapshot !== null && snapshot.contentHash === expect.contentHash;
}

/**
 * Removes the folder `abs` if it and every folder under it hold no file (folders are not
 * synced, so an empty one is nothing to keep); true when it is gone. rmdir never removes a
 * file, so a file written meanwhile stops it. The caller checked that no link is on the way.
 */
export async function removeEmptyFolder(fs: FileSystem, abs: string): Promise<boolean> {
  try {
    for (const entry of await fs.readdirWithTypes(abs)) {
      if (!entry.isDirectory() || !(await removeEmptyFolder(fs, join(abs, entry.name)))) return false;
    }
    await fs.rmdir(abs);
    return true;
  } catch {
    return false;
  }
}

/** Removes now-empty folders from `relDir` upwards, never the root itself. */
export async function pruneEmptyDirs(fs: FileSystem, root: string, relDir: string): Promise<void> {
  let dir = relDir;
  while (dir !== '' && dir !== '.') {
    const abs = join(root, dir);
    if (linkOnPath(fs, root, dir, true) !== null) return; // never rmdir through a link
    try {
      if ((await fs.readdir(abs)).length > 0) return;
      await fs.rmdir(abs);
    } catch {
      return;
    }
    const parent = dirname(dir);
    dir = parent === '.' ? '' : parent;
  }
}

export function existsOnDisk(fs: FileSystem, root: string, path: string): boolean {
  return fs.existsSync(join(root, path));
}

