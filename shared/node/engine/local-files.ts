// Small disk operations the executor needs, each re-checking the disk right before acting.

import { existsSync, lstatSync } from 'node:fs';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Stats } from 'node:fs';
import { hashSnapshot } from './hash-snapshot.js';
import { linkOnPath } from './inside-root.js';
import { sameStat } from './scanner.js';
import type { BaseEntry } from './types.js';

/**
 * The entry's lstat, or null when nothing is there. Synchronous and without an exception for
 * a missing path (throwIfNoEntry): every new file a download writes is first checked this
 * way, and an ENOENT error object with its stack, through a thread-pool round trip, cost
 * more than the lstat itself.
 */
export async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null;
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
export async function stillMatches(abs: string, expect: Pick<BaseEntry, 'size' | 'mtime' | 'ino'> & { contentHash: string | null }, now: Stats): Promise<boolean> {
  if (!now.isFile()) return false;
  if (sameStat(expect, now)) return true;
  if (now.size !== expect.size) return false;
  const snapshot = await hashSnapshot(abs).catch(() => null);
  return snapshot !== null && snapshot.contentHash === expect.contentHash;
}

/**
 * Removes the folder `abs` if it and every folder under it hold no file (folders are not
 * synced, so an empty one is nothing to keep); true when it is gone. rmdir never removes a
 * file, so a file written meanwhile stops it. The caller checked that no link is on the way.
 */
export async function removeEmptyFolder(abs: string): Promise<boolean> {
  try {
    for (const entry of await readdir(abs, { withFileTypes: true })) {
      if (!entry.isDirectory() || !(await removeEmptyFolder(join(abs, entry.name)))) return false;
    }
    await rmdir(abs);
    return true;
  } catch {
    return false;
  }
}

/** Removes now-empty folders from `relDir` upwards, never the root itself. */
export async function pruneEmptyDirs(root: string, relDir: string): Promise<void> {
  let dir = relDir;
  while (dir !== '' && dir !== '.') {
    const abs = join(root, dir);
    if (linkOnPath(root, dir, true) !== null) return; // never rmdir through a link
    try {
      if ((await readdir(abs)).length > 0) return;
      await rmdir(abs);
    } catch {
      return;
    }
    const parent = dirname(dir);
    dir = parent === '.' ? '' : parent;
  }
}

export function existsOnDisk(root: string, path: string): boolean {
  return existsSync(join(root, path));
}


const knownDirs = new Set<string>();
/** mkdirs in flight, shared by the downloads that need the same folder at once. */
const makingDirs = new Map<string, Promise<void>>();

/**
 * mkdir -p with a memory of folders already made, since downloads of many small files
 * would otherwise pay one mkdir per file. Callers that then fail with ENOENT call
 * forgetDir and retry.
 */
export async function ensureDir(path: string): Promise<void> {
  if (knownDirs.has(path)) return;
  let making = makingDirs.get(path);
  if (!making) {
    making = mkdir(path, { recursive: true })
      .then(() => {
        if (knownDirs.size > 10_000) knownDirs.clear();
        knownDirs.add(path);
      })
      .finally(() => makingDirs.delete(path));
    makingDirs.set(path, making);
  }
  await making;
}

export function forgetDirs(): void {
  knownDirs.clear();
}
