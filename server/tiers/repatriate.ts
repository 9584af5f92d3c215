// Repatriation: blocks that went to S3 while the in-house store was down come home once it
// is healthy — read from S3 (hash-checked), written in-house (hash-checked again by the
// store as it writes), its size confirmed, then the index switches the block to 'inhouse'.
// The S3 copy is only marked; a later sweep deletes copies whose grace period is over,
// re-checking first that nothing (an s3-placement namespace, a block that went back to S3)
// still needs them. Packed blocks come home a pack's run at a time (one ranged GET, each
// block hash-checked); a pack object goes only when no block in it is left.

import type { BlockHash } from '../../shared/common/blocks.js';
import { SyncError } from '../../shared/common/errors.js';
import { readUnit, unitsOf } from './pack-runs.js';
import type { S3Location } from './tier-index.js';
import type { TierService } from './tier-service.js';


export interface RepatriationResult {
  copied: number;
  bytes: number;
  swept: number;
  /** Pack objects deleted from S3 by the sweep (their blocks all home or gone). */
  packsDeleted: number;
  failed: { hash: string; reason: string }[];
  ms: number;
}

export interface RepatriationOptions {
  /** Blocks copied at once. */
  concurrency?: number;
  now?: () => number;
  /** Stop after this many blocks (the background job works in slices). */
  limit?: number;
}

export async function repatriateOnce(service: TierService, options: RepatriationOptions = {}): Promise<RepatriationResult> {
  const { index, inhouse, s3 } = service.deps;
  const now = options.now ?? Date.now;
  const started = Date.now();
  const result: RepatriationResult = { copied: 0, bytes: 0, swept: 0, packsDeleted: 0, failed: [], ms: 0 };
  if (!s3) throw new SyncError('bad_request', 'repatriate: this server has no S3 tier (give the --s3-* flags)');
  const limit = options.limit ?? Infinity;
  const skip = new Set<string>();
  while (result.copied + result.failed.length < limit) {
    const batch = index.repatriationCandidates(256 + skip.size).filter((c) => !skip.has(c.hash));
    if (batch.length === 0) break;
    const slice = batch.slice(0, Math.min(batch.length, limit - result.copied - result.failed.length));
    const home: string[] = [];
    const bringHome = async (c: S3Location, bytes: Buffer) => {
      // The in-house store hash-checks again as it writes (the block service refuses a
      // mismatch), so a HEAD confirms it landed.
      await inhouse.write(c.hash, bytes);
      const stored = await inhouse.head(c.hash);
      if (stored !== c.size) throw new SyncError('hash_mismatch', `repatriate block ${c.hash}: in-house copy is ${stored ?? 'missing'}, expected ${c.size} bytes`);
      home.push(c.hash);
      result.copied++;
      result.bytes += bytes.length;
    };
    const fail = (hash: string, error: unknown) => {
      skip.add(hash);
      result.failed.push({ hash, reason: (error as Error).message });
      if ((error as SyncError).code === 'hash_mismatch') index.markCorrupt(hash, 's3', (error as Error).message);
    };
    const units = unitsOf(slice);
    const bySlice = new Map(slice.map((c) => [c.hash, c]));
    let next = 0;
    const worker = async () => {
      while (next < units.length) {
        // A run of packed blocks is one ranged GET; each block in it is hash-checked alone.
        const { bytes, failed } = await readUnit(service, units[next++]);
        for (const [hash, error] of failed) fail(hash, error);
        const fetched = [...bytes].map(([hash, data]) => ({ location: bySlice.get(hash)!, data }));
        await inParallel(fetched, async ({ location, data }) => {
          try {
            await bringHome(location, data);
          } catch (error) {
            fail(location.hash, error);
          }
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, units.length) }, worker));
    // One transaction (one fsync) per slice switches every verified block at once.
    index.db.transaction(() => {
      for (const hash of home) {
        index.switchToInhouse(hash);
        if (!index.residentInS3(hash)) index.markForSweep(hash, now() + service.graceMs);
      }
    })();
  }
  // S3 copies that stopped being needed without coming home through this job (their
  // namespace left s3 placement) get the same grace period.
  for (let spare = index.spareS3Copies(1024); spare.length > 0; spare = index.spareS3Copies(1024)) {
    index.db.transaction(() => {
      for (const hash of spare) index.markForSweep(hash, now() + service.graceMs);
    })();
  }
  const packs = { deleted: 0 };
  result.swept = await sweepS3(service, now(), packs);
  result.packsDeleted = packs.deleted;
  result.ms = Date.now() - started;
  return result;
}

/**
 * Deletes S3 copies whose grace period is over and that nothing needs any more. A packed
 * copy only leaves the index; its pack object is deleted once no block in it remains
 * (live or marked), so a pack never goes while one of its blocks is still needed.
 * Returns the block copies removed; `packs` counts the pack objects deleted.
 */
export async function sweepS3(service: TierService, now: number, packs?: { deleted: number }): Promise<number> {
  const { index, s3 } = service.deps;
  if (!s3) return 0;
  let swept = 0;
  for (;;) {
    const due = index.sweepDue(now, 256);
    if (due.length === 0) break;
    const doomed: string[] = [];
    index.db.transaction(() => {
      for (const copy of due) {
        const row = index.block(copy.hash);
        // No row: the retention sweep freed the block (docs/hybrid-storage.md "Retention").
        if (!row || (row.tier === 'inhouse' && !index.residentInS3(copy.hash))) {
          if (copy.pack === null) doomed.push(copy.hash);
          else swept++;
          // Forget first: from here a new upload of this block stores it to S3 again, once
          // the deletion below is done (TierService.deleting); a separate process is not covered.
          index.forgetS3(copy.hash);
        } else {
          index.recordS3(copy.hash, row.size); // needed again since it was marked: keep it live
        }
      }
    })();
    // Every doomed object counts as being deleted from here, in the same turn as the
    // transaction above: an upload that wrote it meanwhile sees that and writes it again
    // once the deletion is done (TierService.storeMany and confirm).
    const finished = new Map<string, () => void>();
    for (const hash of doomed) service.deleting.set(hash, new Promise<void>((resolve) => finished.set(hash, resolve)));
    await inParallel(doomed, async (hash) => {
      try {
        await s3.delete(hash as BlockHash);
      } finally {
        service.deleting.delete(hash);
        finished.get(hash)!();
      }
    });
    swept += doomed.length;
  }
  // Packs no block points into: their last blocks were swept above or earlier, each after
  // its own grace period. New uploads go to new packs, so nothing can start using these.
  for (;;) {
    const empty = index.emptyPacks(256);
    if (empty.length === 0) break;
    await inParallel(empty, async (id) => {
      await s3.deletePack(id);
      index.forgetPack(id);
    });
    if (packs) packs.deleted += empty.length;
  }
  return swept;
}

/** Runs `work` over `items`, 8 at a time. */
async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
