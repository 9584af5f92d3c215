// Assembles a remote file in a temp file under `<root>/.hsync/tmp/`: each block comes from
// a partial download left by an earlier run, from any local file holding it (found through
// the index), or from the server; every block is hash-checked before it is written. The
// temp name is derived from the content hash, so a restart resumes block by block.

import { join } from 'node:path';
import { BLOCK_SIZE, type BlockHash, type BlockRef, type ContentHash } from '../../common/blocks.js';
import { SyncError } from '../../common/errors.js';
import { giveBlockBuffer, takeBlockBuffer } from '../blocks/block-buffers.js';
import { readFull } from '../blocks/chunker.js';
import { blockHashOf } from '../blocks/content-hash.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { reservedDir } from './folder-guard.js';
import type { BlockLocation } from './index-store.js';
import { readLocalBlock } from './local-block.js';
import { copyLocalRuns } from './local-copy.js';
import type { FileSystem, OpenFile } from '../fs/file-system.js';
import type { EngineDisk } from './engine-disk.js';
import { fileStamp } from './prefetch-registry.js';
import { blockRefs } from './types.js';

export interface DownloadSources {
  disk: EngineDisk;
  root: string;
  remote: RemoteStore;
  locate(hash: BlockHash): BlockLocation[];
  /** Called with the byte count of each block as it lands (for progress and rates). */
  onBlock?(bytes: number, source: 'partial' | 'local' | 'remote'): void;
}

export interface FileToFetch {
  path: string;
  size: number;
  contentHash: ContentHash;
  blocks: readonly BlockHash[];
}

const BLOCKS_IN_FLIGHT = 4;

export function tempDir(root: string): string {
  return join(reservedDir(root), 'tmp');
}

/** Temp file for a content hash: stable across restarts, short enough for any path limit. */
export function tempPathFor(root: string, contentHash: string): string {
  return join(tempDir(root), `${contentHash.slice(0, 32)}.part`);
}

/** The temp file, durable, with the journal's mtime set, and its stat (unchanged by a rename). */
export interface Fetched {
  temp: string;
  size: number;
  mtime: number;
  ino: number;
}

/** Writes the file's bytes to its temp file, sets its mtime, fsyncs it. */
export async function fetchToTemp(file: FileToFetch & { mtime: number }, sources: DownloadSources): Promise<Fetched> {
  await sources.disk.folders.ensure(tempDir(sources.root));
  const temp = tempPathFor(sources.root, file.contentHash);
  // Never two writers on one temp file: a prefetch of it stops here and hands over the blocks
  // it already wrote and hash-checked, which are neither checked nor fetched again.
  const claim = await sources.disk.prefetches.claimForDownload(temp, file.contentHash, file.size);
  try {
    return await fillTemp(file, sources, temp, claim.verified, claim.stamp);
  } finally {
    claim.release();
  }
}

async function fillTemp(file: FileToFetch & { mtime: number }, sources: DownloadSources, temp: string, prefetched: Set<number> | null, stamp: string | null): Promise<Fetched> {
  const refs = blockRefs(file.blocks, file.size);
  let needed: BlockRef[] | null = null;
  let verified = refs.length > 1 ? prefetched : null;
  if (verified) {
    const done = verified;
    needed = refs.filter((_, i) => !done.has(i));
  } else if (refs.length > 1) {
    // Blocks a local file (or a partial temp) holds at the same offsets, copied in bulk and checked.
    needed = await copyLocalRuns(temp, refs, { ...sources, fs: sources.disk.fs });
  }
  // A one-block file is cheaper to fetch again than to check; bigger ones resume.
  const { fs, folders } = sources.disk;
  const flags = fs.constants.O_RDWR | fs.constants.O_CREAT | (refs.length <= 1 ? fs.constants.O_TRUNC : 0);
  const handle = await fs.open(temp, flags, 0o644).catch(async (error) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    folders.forget(); // someone removed .hsync/tmp meanwhile
    await fs.mkdir(tempDir(sources.root), { recursive: true });
    return fs.open(temp, flags, 0o644);
  });
  try {
    if (verified && fileStamp(await handle.stat()) !== stamp) {
      // The prefetched file was removed under us (a new, empty one was just created).
      verified = null;
      needed = refs;
    }
    for (const i of verified ?? []) sources.onBlock?.(refs[i].size, 'partial');
    // Only a partial file left by an earlier run is worth checking block by block.
    const partial = needed === null && refs.length > 1 && (await handle.stat()).size > 0;
    const todo = needed ?? refs;
    let next = 0;
    const worker = async () => {
      // One block buffer per worker, reused: a fresh 4 MiB buffer per block costs page faults
      // and garbage collection worth more CPU than the copy into it (1 GiB: ~3 s). Shared
      // with the other phases once the file is done (block-buffers.ts).
      const buffer = file.size >= BLOCK_SIZE ? Buffer.from(takeBlockBuffer()) : Buffer.allocUnsafe(file.size);
      while (next < todo.length) await fetchBlock(todo[next++], handle, file, sources, partial, buffer);
      if (buffer.length === BLOCK_SIZE) giveBlockBuffer(buffer.buffer);
    };
    await Promise.all(Array.from({ length: Math.min(BLOCKS_IN_FLIGHT, todo.length) }, worker));
    if (partial || verified) await handle.truncate(file.size);
    const seconds = file.mtime / 1000;
    await handle.utimes(seconds, seconds);
    await handle.sync();
    const done = await handle.stat();
    return { temp, size: done.size, mtime: done.mtimeMs, ino: done.ino };
  } finally {
    await handle.close();
  }
}

async function fetchBlock(ref: BlockRef, handle: OpenFile, file: FileToFetch, sources: DownloadSources, partial: boolean, scratch: Buffer): Promise<void> {
  if (partial) {
    // A partial file from an interrupted run may already hold this block.
    const buffer = scratch.subarray(0, ref.size);
    if ((await readFull(handle, buffer, ref.offset)) === ref.size && blockHashOf(buffer) === ref.hash) {
      sources.onBlock?.(ref.size, 'partial');
      return;
    }
  }
  const candidates = sources.locate(ref.hash).map((l) => ({ path: l.path, offset: l.index * BLOCK_SIZE, size: ref.size }));
  const local = await readLocalBlock(sources.disk.fs, sources.root, ref.hash, candidates);
  if (local) {
    await handle.write(local, 0, ref.size, ref.offset);
    sources.onBlock?.(ref.size, 'local');
    return;
  }
  const bytes = await sources.remote.getBlock(ref.hash, scratch);
  if (bytes.length !== ref.size) {
    throw new SyncError('hash_mismatch', `download "${file.path}": block at ${ref.offset} is ${bytes.length} bytes, expected ${ref.size}`);
  }
  await handle.write(bytes, 0, ref.size, ref.offset);
  sources.onBlock?.(ref.size, 'remote');
}

/** Deletes partial downloads not touched for `maxAgeMs`; returns how many. */
export async function removeStaleTemp(fs: FileSystem, root: string, maxAgeMs: number, now: number): Promise<number> {
  const dir = tempDir(root);
  let removed = 0;
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const info = await fs.stat(path).catch(() => null);
    if (info && now - info.mtimeMs > maxAgeMs) {
      await fs.unlink(path).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
