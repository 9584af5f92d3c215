// Who writes which download temp file, so a prefetch (started from another device's pending
// upload, outside the sync cycle) and the downloader never write one file at once, and the
// downloader can take over what a prefetch already wrote and checked without hashing it
// again. Keyed by the temp file's path, which names its content (tempPathFor).

import { stat } from 'node:fs/promises';

export interface PrefetchRecord {
  contentHash: string;
  size: number;
  /** The temp file's inode once opened: a file replaced since then is not trusted. */
  ino: number;
  /** Indexes of blocks whose bytes are in the temp file and matched their hash. */
  readonly verified: Set<number>;
  stopping: boolean;
  /** Set when the prefetch's run is over (its bytes stay claimable until replaced). */
  finished: boolean;
  done: Promise<void>;
}

const prefetches = new Map<string, PrefetchRecord>();
/** Temp files a download is writing now, with how many downloads share each. */
const downloading = new Map<string, number>();

/**
 * Registers a prefetch of `temp`, unless a download or another prefetch has it. The returned
 * record is the prefetch's: it sets `ino`, adds verified blocks, checks `stopping` before
 * each block, and sets `done` to its whole run.
 */
export function startPrefetch(temp: string, contentHash: string, size: number): PrefetchRecord | null {
  const old = prefetches.get(temp);
  // A finished run's record is replaced: the new run re-checks what the file holds.
  if ((old && !old.finished) || downloading.has(temp)) return null;
  const record: PrefetchRecord = { contentHash, size, ino: -1, verified: new Set(), stopping: false, finished: false, done: Promise.resolve() };
  prefetches.set(temp, record);
  return record;
}

/** Whether a prefetch of `temp` is running now. */
export function prefetchRunning(temp: string): boolean {
  return prefetches.get(temp)?.finished === false;
}

/** Stops every prefetch registered for a temp file under `dir` and waits for them. */
export async function stopPrefetches(dir: string): Promise<void> {
  const mine = [...prefetches.entries()].filter(([temp]) => temp.startsWith(dir));
  for (const [, record] of mine) record.stopping = true;
  await Promise.all(mine.map(([, record]) => record.done.catch(() => undefined)));
}

/**
 * Claims `temp` for a download: stops a prefetch of it (waiting for the blocks it has in
 * flight) and returns the block indexes it wrote and checked, when the file on disk is still
 * the one it wrote for this content and size (inode `ino`); otherwise null. Call `release`
 * when done.
 */
export async function claimForDownload(temp: string, contentHash: string, size: number): Promise<{ verified: Set<number> | null; ino: number; release(): void }> {
  downloading.set(temp, (downloading.get(temp) ?? 0) + 1);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const n = (downloading.get(temp) ?? 1) - 1;
    if (n > 0) downloading.set(temp, n);
    else downloading.delete(temp);
  };
  const record = prefetches.get(temp);
  if (!record) return { verified: null, ino: -1, release };
  prefetches.delete(temp);
  record.stopping = true;
  await record.done.catch(() => undefined);
  if (record.contentHash !== contentHash || record.size !== size || record.verified.size === 0) return { verified: null, ino: -1, release };
  const now = await stat(temp).catch(() => null);
  const same = now !== null && now.isFile() && now.ino === record.ino && now.size === size;
  return { verified: same ? record.verified : null, ino: record.ino, release };
}
