// The folder-level guards that stop a sync before it can destroy anything: the root must
// exist and hold the `.hsync/` marker (an unmounted drive or a root replaced by an empty
// folder must not read as "the user deleted everything").

import { join } from 'node:path';
import { SyncError } from '../../common/errors.js';
import { RESERVED_DIR } from '../../common/paths.js';
import type { FileSystem } from '../fs/file-system.js';
import { syncFolder } from '../fs/sync-folder.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../private-files.js';

export const MARKER_FILE = 'folder-id';

/** Path of the engine's reserved folder in a root. */
export function reservedDir(root: string): string {
  return join(root, RESERVED_DIR);
}

/**
 * Makes the reserved folder 0700, or makes an existing one so (a folder joined before): it
 * holds partial downloads and the local trash, which no other user of the machine should
 * list or read. A link in its place is left alone: a chmod would act on what it points to.
 */
export function makeReservedDir(fs: FileSystem, root: string): void {
  const dir = reservedDir(root);
  const info = fs.lstatSync(dir);
  if (info === undefined || info.isDirectory()) makePrivateDir(dir, fs);
}

/**
 * Throws folder_missing unless `root` is a directory with its marker. When `firstSync` is
 * true (the index is empty) a missing marker is created instead: that is how a folder joins.
 */
export async function checkFolder(fs: FileSystem, root: string, firstSync: boolean): Promise<void> {
  let isDir = false;
  try {
    isDir = (await fs.stat(root)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new SyncError('io', `check folder "${root}": ${(error as Error).message}`, { cause: error });
  }
  if (!isDir) throw new SyncError('folder_missing', `check folder "${root}": folder is missing (unmounted, moved or deleted); nothing was deleted`);
  const marker = join(reservedDir(root), MARKER_FILE);
  try {
    await fs.stat(marker);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new SyncError('io', `check folder "${root}": ${(error as Error).message}`, { cause: error });
  }
  if (!firstSync) {
    throw new SyncError('folder_missing', `check folder "${root}": its ${RESERVED_DIR}/ marker is gone (folder replaced or emptied?); nothing was deleted`);
  }
  makeReservedDir(fs, root);
  // Durable before the index records a single file: a marker a power cut took would make
  // the next start refuse the folder for good (above).
  await fs.writeDurably(marker, Buffer.from(`${Date.now()}-${Math.random().toString(36).slice(2)}\n`), Date.now() / 1000, PRIVATE_FILE_MODE);
  await syncFolder(fs, reservedDir(root));
  await syncFolder(fs, root);
}
