// Makes the names in a folder durable: a create or rename is on disk only once the folder
// holding it is fsynced (ext4 commits it with any fsync; other file systems want the
// folder's own). Used where a name must survive a power cut before something else records
// it (docs/testing.md "Power cuts").

import type { FileSystem } from './file-system.js';

/** Codes of a platform that cannot open or fsync a folder (Windows: NTFS journals names itself). */
const NOT_SUPPORTED = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL']);

export async function syncFolder(fs: FileSystem, dir: string): Promise<void> {
  let handle;
  try {
    handle = await fs.open(dir, 'r');
  } catch (error) {
    if (NOT_SUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!NOT_SUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}
