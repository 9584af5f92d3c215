// Writes a small downloaded file whose bytes are already in memory (and hash-checked) to
// its own temp file under `<root>/.hsync/tmp/`, with the journal's mtime, fsynced: the
// same result as fetchToTemp without re-reading anything. Each call gets a unique temp
// name, so two files with the same content can be written at once; there is nothing to
// resume for a file this small, and removeStaleTemp clears names left by a crash.

import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContentHash } from '../../common/blocks.js';
import { tempDir, type Fetched } from './downloader.js';
import { ensureDir, forgetDirs } from './local-files.js';

let sequence = 0;

export async function writeSmallTemp(root: string, file: { contentHash: ContentHash; mtime: number }, bytes: Buffer): Promise<Fetched> {
  const dir = tempDir(root);
  await ensureDir(dir);
  const temp = join(dir, `${file.contentHash.slice(0, 32)}-${process.pid}-${sequence++}.part`);
  const handle = await open(temp, 'w', 0o644).catch(async (error) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    forgetDirs(); // someone removed .hsync/tmp meanwhile
    await mkdir(dir, { recursive: true });
    return open(temp, 'w', 0o644);
  });
  let written = false;
  try {
    // writeFile continues short writes (a nearly full disk) until every byte is written.
    if (bytes.length > 0) await handle.writeFile(bytes);
    const seconds = file.mtime / 1000;
    await handle.utimes(seconds, seconds);
    await handle.sync();
    const done = await handle.stat();
    written = true;
    return { temp, size: done.size, mtime: done.mtimeMs, ino: done.ino };
  } finally {
    await handle.close();
    // A name nobody will resume: a failed write leaves nothing behind.
    if (!written) await unlink(temp).catch(() => undefined);
  }
}
