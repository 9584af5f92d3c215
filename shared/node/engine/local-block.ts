// One block's bytes read from a local file the index says holds it. The index is only a
// hint (the file may have changed since it was indexed), so bytes count only once they
// hash to the block's name; a path through a symbolic link is never read.

import { join } from 'node:path';
import type { BlockHash } from '../../common/blocks.js';
import { readFull } from '../blocks/chunker.js';
import { blockHashOf } from '../blocks/content-hash.js';
import type { FileSystem, OpenFile } from '../fs/file-system.js';
import { linkOnPath } from './inside-root.js';

/** Where a block may be: a file under the root, the block's offset and size in it. */
export interface BlockCandidate {
  path: string;
  offset: number;
  size: number;
}

/** The bytes of block `hash` from the first candidate that holds them, hash-checked; null when none does. */
export async function readLocalBlock(fs: FileSystem, root: string, hash: BlockHash, candidates: Iterable<BlockCandidate>): Promise<Buffer | null> {
  for (const { path, offset, size } of candidates) {
    if (linkOnPath(fs, root, path, true) !== null) continue; // never read outside the root
    const bytes = await readRange(fs, join(root, path), offset, size);
    if (bytes && blockHashOf(bytes) === hash) return bytes;
  }
  return null;
}

async function readRange(fs: FileSystem, path: string, offset: number, size: number): Promise<Buffer | null> {
  let handle: OpenFile;
  try {
    handle = await fs.open(path, 'r');
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.allocUnsafe(size);
    return (await readFull(handle, buffer, offset)) === size ? buffer : null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}
