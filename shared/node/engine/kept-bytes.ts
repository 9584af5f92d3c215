// The bytes of small files as they were hashed, kept for the upload that usually follows in
// the same cycle, so that it does not open and read each file a second time (for 10,000
// files of 4 KiB that re-read was ~0.4 s of the sender's main thread). They are the exact
// bytes that produced the block's hash in one stable snapshot, so what is published is
// one moment of the file, never a mix; a file changed since then differs from the base
// recorded after the push and is picked up by the next scan.
//
// Bounded: once BUDGET bytes are kept, later files are read again at upload. Entries are
// keyed by the snapshot's own BlockRef object, taken once by the uploader, and dropped
// wholesale before each scan, so nothing outlives the cycle that hashed it.

import type { BlockRef } from '../../common/blocks.js';

/** Files up to this size keep their bytes. */
export const KEEP_MAX = 64 * 1024;
const BUDGET = 48 * 1024 * 1024;

/** One engine's kept bytes (engine-disk.ts): each engine scans and uploads its own files. */
export class KeptBytes {
  private readonly kept = new Map<BlockRef, Buffer>();
  private keptBytes = 0;

  /** Keeps `bytes` (the whole content behind `ref`) if the budget allows. */
  keep(ref: BlockRef, bytes: Buffer): void {
    if (bytes.length !== ref.size || bytes.length > KEEP_MAX || this.keptBytes + bytes.length > BUDGET) return;
    this.kept.set(ref, bytes);
    this.keptBytes += bytes.length;
  }

  /** The bytes kept for `ref`, handed over once; undefined when none were kept. */
  take(ref: BlockRef): Buffer | undefined {
    const bytes = this.kept.get(ref);
    if (bytes === undefined) return undefined;
    this.kept.delete(ref);
    this.keptBytes -= bytes.length;
    return bytes;
  }

  /** Forgets everything kept (before a scan: the previous cycle's leftovers are stale). */
  drop(): void {
    this.kept.clear();
    this.keptBytes = 0;
  }

  /** How many bytes are kept now (for tests). */
  size(): number {
    return this.keptBytes;
  }
}
