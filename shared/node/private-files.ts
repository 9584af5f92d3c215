// Files only their owner may read: the server's blocks, database and signing key, a
// client's index and the settings that hold its token. They are created 0600 in folders
// made 0700, whatever the process umask (a mode given at creation can lose bits to the
// umask, never gain them). Folders and files an older version made with the umask's modes
// are tightened when they are opened again (docs/protocol.md, "Ownership", "File modes").

import { closeSync, openSync } from 'node:fs';
import type { FileSystem } from './fs/file-system.js';
import { nodeFileSystem } from './fs/node-file-system.js';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * mkdir -p whose every new folder is 0700; `dir` itself is made 0700 when it already
 * existed. A folder this user does not own (EPERM) keeps its mode: what is made inside it
 * is private anyway. `fs`: the synced folder's file system, for the engine's own folder.
 */
export function makePrivateDir(dir: string, fs: FileSystem = nodeFileSystem): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(fs, dir, PRIVATE_DIR_MODE);
}

/**
 * Makes `file` exist and be 0600, for a file another library creates (SQLite): that library
 * then opens the private file instead of making one with the umask's mode.
 */
export function makePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  tighten(nodeFileSystem, file, PRIVATE_FILE_MODE);
}

/** Makes `file` 0600 if it exists (a side file an older version may have left readable). */
export function keepPrivate(file: string): void {
  tighten(nodeFileSystem, file, PRIVATE_FILE_MODE);
}

function tighten(fs: FileSystem, path: string, mode: number): void {
  try {
    fs.chmodSync(path, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw error;
  }
}
