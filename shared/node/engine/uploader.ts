// Pushes local changes: commit first, upload only the blocks the server says it lacks
// (small ones batched, big ones several in flight), then commit again. Block bytes are
// re-read from the file and checked against its snapshot: a file that changed since its
// scan is not published. Small files hashed in this cycle send the bytes their hash was
// taken from instead (kept-bytes.ts): the same single moment, without a second read.

import { join } from 'node:path';
import type { BlockHash, BlockRef } from '../../common/blocks.js';
import { SyncError, type ErrorData } from '../../common/errors.js';
import type { CommitChange, CommitResult, JournalEntry } from '../../common/protocol.js';
import { giveBlockBuffer, takeBlockBuffer } from '../blocks/block-buffers.js';
import { readFull, readFullSync } from '../blocks/chunker.js';
import { blockHashOf } from '../blocks/content-hash.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { SYNC_READ_MAX } from './hash-snapshot.js';
import type { FileSystem } from '../fs/file-system.js';
import type { EngineDisk } from './engine-disk.js';

/** A change to commit, with where its blocks can be read when the server asks for them. */
export interface OutgoingChange {
  change: CommitChange;
  /** Blocks of the local file (for puts). */
  blocks?: BlockRef[];
  /** The file's size and mtime when it was hashed: block reads must see the same. */
  snapshot?: { size: number; mtime: number };
}

export type UploadOutcome =
  | { status: 'committed'; entry: JournalEntry }
  | { status: 'conflict'; current: JournalEntry | null }
  | { status: 'changed' } // the file moved on while uploading: retried after a rescan
  | { status: 'failed'; error: ErrorData };

const COMMIT_BATCH = 500;
const SMALL_BLOCK = 1024 * 1024;
const BATCH_BYTES = 8 * 1024 * 1024;
const LARGE_IN_FLIGHT = 4;
const SMALL_READS_IN_FLIGHT = 16;

export interface UploadContext {
  disk: EngineDisk;
  root: string;
  device: string;
  remote: RemoteStore;
  onBlockSent?(bytes: number): void;
}

/** Commits `changes` (any mix of put, move, delete); one outcome per change, same order. */
export async function pushChanges(changes: OutgoingChange[], context: UploadContext): Promise<UploadOutcome[]> {
  const outcomes: UploadOutcome[] = new Array(changes.length);
  const starts: number[] = [];
  for (let start = 0; start < changes.length; start += COMMIT_BATCH) starts.push(start);
  // Two batches in flight: one commits while the other uploads its blocks.
  let next = 0;
  const worker = async () => {
    while (next < starts.length) {
      const start = starts[next++];
      const results = await pushBatch(changes.slice(start, start + COMMIT_BATCH), context);
      results.forEach((outcome, k) => (outcomes[start + k] = outcome));
    }
  };
  await Promise.all([worker(), worker()]);
  return outcomes;
}

async function pushBatch(changes: OutgoingChange[], context: UploadContext): Promise<UploadOutcome[]> {
  const outcomes: UploadOutcome[] = new Array(changes.length);
  const first: CommitResult[] = (await context.remote.commit(context.device, changes.map((c) => c.change))).results;
  const retry: number[] = [];
  const wanted = new Map<BlockHash, Wanted>();
  first.forEach((result, i) => {
    if (result.status !== 'need_blocks') {
      outcomes[i] = toOutcome(result);
      return;
    }
    const blocks = changes[i].blocks ?? [];
    const missing = new Set(result.missing);
    for (const ref of blocks) {
      if (missing.has(ref.hash) && !wanted.has(ref.hash)) wanted.set(ref.hash, { path: changes[i].change.path, ref, index: i, snapshot: changes[i].snapshot });
    }
    retry.push(i);
  });
  if (retry.length === 0) return outcomes;

  let changed: Set<number>;
  try {
    changed = await uploadBlocks([...wanted.values()], context);
  } catch (error) {
    // The server re-hashes every block: a mismatch means a file changed under us between
    // our stat checks (mtime granularity). Rescan those files rather than fail the folder.
    if ((error as { code?: string }).code !== 'hash_mismatch') throw error;
    changed = new Set(retry);
  }
  const again = retry.filter((i) => !changed.has(i));
  for (const i of changed) outcomes[i] = { status: 'changed' };
  if (again.length > 0) {
    const second = (await context.remote.commit(context.device, again.map((i) => changes[i].change))).results;
    second.forEach((result, k) => {
      outcomes[again[k]] =
        result.status === 'need_blocks'
          ? { status: 'failed', error: { code: 'need_blocks', message: `upload "${changes[again[k]].change.path}": server still lacks ${result.missing.length} blocks` } }
          : toOutcome(result);
    });
  }
  return outcomes;
}

function toOutcome(result: CommitResult): UploadOutcome {
  if (result.status === 'committed') return { status: 'committed', entry: result.entry };
  if (result.status === 'conflict') return { status: 'conflict', current: result.current };
  if (result.status === 'rejected') return { status: 'failed', error: result.error };
  return { status: 'failed', error: { code: 'internal', message: 'unexpected need_blocks' } };
}

/** Uploads the wanted blocks; returns the indexes of changes whose file changed meanwhile. */
interface Wanted {
  path: string;
  ref: BlockRef;
  index: number;
  snapshot?: { size: number; mtime: number };
}

async function uploadBlocks(wanted: Wanted[], context: UploadContext): Promise<Set<number>> {
  const changed = new Set<number>();
  const read = async (item: Wanted): Promise<Buffer | null> => {
    const path = join(context.root, item.path);
    // Bytes kept from the hashing snapshot need no second read (kept-bytes.ts).
    const bytes = context.disk.kept.take(item.ref) ?? (item.ref.size <= SYNC_READ_MAX ? readSmallBlock(context.disk.fs, path, item.ref, item.snapshot) : await readBlock(context.disk.fs, path, item.ref, item.snapshot));
    if (!bytes) changed.add(item.index);
    return bytes;
  };
  const small = wanted.filter((w) => w.ref.size < SMALL_BLOCK);
  const large = wanted.filter((w) => w.ref.size >= SMALL_BLOCK);

  let batch: { hash: BlockHash; bytes: Uint8Array }[] = [];
  let batchBytes = 0;
  // Two batches in flight: the next one is read while the last one travels and is stored.
  const sends: Promise<void>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const sending = batch;
    batch = [];
    batchBytes = 0;
    if (sends.length >= 2) await sends.shift();
    const send = context.remote.putBlocks(sending).then(() => {
      for (const b of sending) context.onBlockSent?.(b.bytes.length);
    });
    send.catch(() => undefined); // awaited below; this only keeps a failure from counting as unhandled meanwhile
    sends.push(send);
  };
  const smallTask = (async () => {
    // Reads overlap (each is several small file-system calls); sends go out in batches.
    for (let start = 0; start < small.length; start += SMALL_READS_IN_FLIGHT) {
      const group = small.slice(start, start + SMALL_READS_IN_FLIGHT);
      const contents = await Promise.all(group.map(read));
      group.forEach((item, k) => {
        const bytes = contents[k];
        if (!bytes) return;
        batch.push({ hash: item.ref.hash, bytes });
        batchBytes += bytes.length;
      });
      if (batchBytes >= BATCH_BYTES) await flush();
    }
    await flush();
    await Promise.all(sends);
  })();
  let next = 0;
  const largeWorker = async () => {
    // One buffer per worker, reused: a fresh 4 MiB buffer per block makes the collector run
    // for every few blocks of a big file. A buffer is reused only after its send resolved,
    // and shared with the next phase once every send has (block-buffers.ts).
    let buffer: Buffer | null = null;
    while (next < large.length) {
      const item = large[next++];
      buffer ??= Buffer.from(takeBlockBuffer());
      const bytes = await readBlock(context.disk.fs, join(context.root, item.path), item.ref, item.snapshot, buffer);
      if (!bytes) {
        changed.add(item.index);
        continue;
      }
      await context.remote.putBlock(item.ref.hash, bytes);
      context.onBlockSent?.(bytes.length);
    }
    if (buffer) giveBlockBuffer(buffer.buffer);
  };
  await Promise.all([smallTask, ...Array.from({ length: LARGE_IN_FLIGHT }, largeWorker)]);
  return changed;
}

/** readBlock for a small block, with synchronous calls (see SYNC_READ_MAX for why). */
function readSmallBlock(fs: FileSystem, path: string, ref: BlockRef, snapshot?: { size: number; mtime: number }): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SyncError('io', `upload "${path}": ${(error as Error).message}`, { cause: error });
  }
  try {
    const same = () => {
      const now = fs.fstatSync(fd);
      return snapshot !== undefined && now.isFile() && now.size === snapshot.size && now.mtimeMs === snapshot.mtime;
    };
    if (snapshot && !same()) return null;
    const bytes = Buffer.allocUnsafe(ref.size);
    if (readFullSync(fd, bytes, ref.offset, fs) < ref.size) return null;
    if (snapshot) return same() ? bytes : null;
    return blockHashOf(bytes) === ref.hash ? bytes : null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The block's bytes if the file is still the snapshot that was hashed; null if it changed or
 * vanished. With a snapshot, an unchanged size and mtime before and after the read vouch for
 * the bytes (the server re-hashes them anyway); without one, the block is re-hashed here.
 * Reads into `into` when given (the result is then a view of it).
 */
async function readBlock(fs: FileSystem, path: string, ref: BlockRef, snapshot?: { size: number; mtime: number }, into?: Buffer): Promise<Buffer | null> {
  let handle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SyncError('io', `upload "${path}": ${(error as Error).message}`, { cause: error });
  }
  try {
    const same = async () => {
      const now = await handle.stat();
      return snapshot !== undefined && now.size === snapshot.size && now.mtimeMs === snapshot.mtime;
    };
    if (snapshot && !(await same())) return null;
    const bytes = into && into.length >= ref.size ? into.subarray(0, ref.size) : Buffer.allocUnsafe(ref.size);
    if ((await readFull(handle, bytes, ref.offset)) < ref.size) return null;
    if (snapshot) return (await same()) ? bytes : null;
    return blockHashOf(bytes) === ref.hash ? bytes : null;
  } finally {
    await handle.close();
  }
}
