// Who writes which download temp file, so a prefetch (started from another device's pending
// upload, outside the sync cycle) and the downloader never write one file at once, and the
// downloader can take over what a prefetch already wrote and checked without hashing it
// again. Keyed by the temp file's path, which names its content (tempPathFor).

import { sep } from 'node:path';
import type { FileStats, FileSystem } from '../fs/file-system.js';

export interface PrefetchRecord {
  contentHash: string;
  size: number;
  /**
   * fileStamp of the temp file after the prefetch's last write (null while it writes, or
   * if it failed): a file replaced or written by anyone since then is not trusted.
   */
  stamp: string | null;
  /** Indexes of blocks whose bytes are in the temp file and matched their hash. */
  readonly verified: Set<number>;
  stopping: boolean;
  /** Set when the prefetch's run is over (its bytes stay claimable until replaced). */
  finished: boolean;
  done: Promise<void>;
}

/** One engine's prefetches and downloads, by temp file (engine-disk.ts). */
export class PrefetchRegistry {
  private readonly prefetches = new Map<string, PrefetchRecord>();
  /** Temp files a download is writing now, with how many downloads share each. */
  private readonly downloading = new Map<string, number>();

  constructor(private readonly fs: FileSystem) {}

  /**
   * Registers a prefetch of `temp`, unless a download or another prefetch has it, or an earlier
   * prefetch already checked all `blockCount` blocks. The returned record is the prefetch's:
   * it adds verified blocks, checks `stopping` before each block, sets `stamp` after its last
   * write and `done` to its whole run. When `stamp` is set already, the record carries an
   * earlier run's checked blocks, valid only while the file still has that stamp.
   */
  start(temp: string, contentHash: string, size: number, blockCount: number): PrefetchRecord | null {
    const old = this.prefetches.get(temp);
    if ((old && !old.finished) || this.downloading.has(temp)) return null;
    // A finished run of the same content hands on what it checked (valid while `ino` matches).
    const same = old !== undefined && old.contentHash === contentHash && old.size === size;
    if (same && old.verified.size >= blockCount) return null; // every block is there already
    const record: PrefetchRecord = {
      contentHash,
      size,
      stamp: same ? old.stamp : null,
      verified: new Set(same ? old.verified : []),
      stopping: false,
      finished: false,
      done: Promise.resolve(),
    };
    this.prefetches.set(temp, record);
    return record;
  }

  /** Whether a prefetch of `temp` is running now. */
  running(temp: string): boolean {
    return this.prefetches.get(temp)?.finished === false;
  }

  /** Stops every prefetch registered for a temp file under `dir` and waits for them. */
  async stopUnder(dir: string): Promise<void> {
    const mine = [...this.prefetches.entries()].filter(([temp]) => temp.startsWith(dir + sep));
    for (const [, record] of mine) record.stopping = true;
    await Promise.all(mine.map(([, record]) => record.done.catch(() => undefined)));
  }

  /**
   * Claims `temp` for a download: stops a prefetch of it (waiting for the blocks it has in
   * flight) and returns the block indexes it wrote and checked, when the file on disk is still
   * the one it wrote for this content and size (`stamp`: check it again once opened);
   * otherwise null. Call `release` when done.
   */
  async claimForDownload(temp: string, contentHash: string, size: number): Promise<{ verified: Set<number> | null; stamp: string | null; release(): void }> {
    this.downloading.set(temp, (this.downloading.get(temp) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (this.downloading.get(temp) ?? 1) - 1;
      if (n > 0) this.downloading.set(temp, n);
      else this.downloading.delete(temp);
    };
    const record = this.prefetches.get(temp);
    if (!record) return { verified: null, stamp: null, release };
    this.prefetches.delete(temp);
    record.stopping = true;
    await record.done.catch(() => undefined);
    if (record.contentHash !== contentHash || record.size !== size || record.verified.size === 0 || !record.stamp) return { verified: null, stamp: null, release };
    const now = await this.fs.stat(temp).catch(() => null);
    const same = now !== null && now.isFile() && now.size === size && fileStamp(now) === record.stamp;
    return same ? { verified: record.verified, stamp: record.stamp, release } : { verified: null, stamp: null, release };
  }
}

/**
 * Identity and last change of a file: inode, change and birth times. A file deleted and made
 * again (even with a reused inode) or written since has another stamp.
 */
export function fileStamp(info: FileStats): string {
  return `${info.ino}:${info.ctimeMs}:${info.birthtimeMs}`;
}
