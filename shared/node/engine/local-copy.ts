// Fills a download's temp file from local bytes in bulk before any block is fetched. A copy
// of a file, or a big file with a few blocks changed, finds most of its blocks in one local
// file at the same offsets: that file is copied whole by the kernel (a reflink where the
// file system has them), and the result is hash-checked block by block on the worker pool.
// A temp file left by an earlier run is checked the same way instead, so a restart resumes.
// Only blocks whose bytes hash to the expected value count as done; the rest are returned.

import { join } from 'node:path';
import type { BlockHash, BlockRef } from '../../common/blocks.js';
import { hashRanges } from '../blocks/hash-ranges.js';
import type { FileSystem } from '../fs/file-system.js';
import type { BlockLocation } from './index-store.js';
import { linkOnPath } from './inside-root.js';

export interface LocalCopySources {
  fs: FileSystem;
  root: string;
  locate(hash: BlockHash): BlockLocation[];
  onBlock?(bytes: number, source: 'partial' | 'local' | 'remote'): void;
}

/** A source is worth copying whole when at least this many of its blocks are wanted there. */
const MIN_RUN_BLOCKS = 2;

/**
 * Prepares `temp` (under the root's `.hsync/tmp/`) for the file made of `refs`. Returns the
 * refs it still lacks, with every other block in `temp` checked against its hash and the
 * file cut to the file's size; or null when it did nothing (no partial file, no local file
 * worth copying), and the caller fetches every block as usual. Never leaves bytes it has
 * not checked counted as done; throws only for I/O errors on `temp` itself.
 */
export async function copyLocalRuns(temp: string, refs: readonly BlockRef[], sources: LocalCopySources): Promise<BlockRef[] | null> {
  if (refs.length === 0) return null;
  const { fs } = sources;
  const size = refs[refs.length - 1].offset + refs[refs.length - 1].size;
  const existing = await fs.stat(temp).catch(() => null);
  if (existing && existing.size > 0) {
    // A partial file from an interrupted run: keep what it already holds.
    return checkTemp(temp, refs, size, 'partial', sources);
  }
  const source = await bestSource(refs, sources);
  if (!source) return null;
  // copyFile gives the copy the source's mode: keep the mode a new download would get.
  const created = await fs.open(temp, 'w', 0o644).catch(() => null);
  if (!created) return null; // the caller recreates a vanished temp folder
  const mode = (await created.stat()).mode & 0o777;
  await created.close();
  try {
    await fs.copyFile(join(sources.root, source), temp, fs.constants.COPYFILE_FICLONE);
    await fs.chmod(temp, mode);
  } catch {
    // The source vanished or the copy failed half way: whatever landed is checked below,
    // and missing blocks are fetched one by one (a full disk shows its error there).
  }
  return checkTemp(temp, refs, size, 'local', sources);
}

/** The local file holding the most wanted bytes at the wanted offsets, if worth a whole copy. */
async function bestSource(refs: readonly BlockRef[], sources: LocalCopySources): Promise<string | null> {
  const matched = new Map<string, { blocks: number; bytes: number }>();
  refs.forEach((ref, index) => {
    for (const location of sources.locate(ref.hash)) {
      if (location.index !== index) continue;
      const m = matched.get(location.path) ?? { blocks: 0, bytes: 0 };
      m.blocks++;
      m.bytes += ref.size;
      matched.set(location.path, m);
    }
  });
  let best: string | null = null;
  for (const [path, m] of matched) {
    if (m.blocks >= MIN_RUN_BLOCKS && (best === null || m.bytes > matched.get(best)!.bytes)) best = path;
  }
  if (best === null || linkOnPath(sources.fs, sources.root, best, true) !== null) return null; // never read outside the root
  // Copying a big file for a small part of it costs more than fetching that part.
  const info = await sources.fs.lstat(join(sources.root, best)).catch(() => null);
  if (!info?.isFile() || matched.get(best)!.bytes * 2 < info.size) return null;
  return best;
}

/** Cuts `temp` to `size`, hashes each block in it and returns the refs that do not match. */
async function checkTemp(temp: string, refs: readonly BlockRef[], size: number, source: 'partial' | 'local', sources: LocalCopySources): Promise<BlockRef[]> {
  await sources.fs.truncate(temp, size);
  const handle = await sources.fs.open(temp, 'r+');
  let hashes: (string | null)[];
  try {
    // The disk writes the copy back while the workers hash it from the page cache; the
    // caller's final fsync, after any blocks still fetched, is what makes the file durable.
    const writeBack = handle.datasync();
    hashes = await hashRanges(handle, refs).finally(() => writeBack.catch(() => undefined));
    await writeBack;
  } finally {
    await handle.close();
  }
  const needed: BlockRef[] = [];
  refs.forEach((ref, i) => {
    if (hashes[i] === ref.hash) sources.onBlock?.(ref.size, source);
    else needed.push(ref);
  });
  return needed;
}
