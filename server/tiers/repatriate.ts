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
  const { store, inhouse, s3 } = service.deps;
  const index = store.tiers;
  const now = options.now ?? Date.now;
  const started = Date.now();
  const result: RepatriationResult = { copied: 0, bytes: 0, swept: 0, packsDeleted: 0, failed: [], ms: 0 };
  if (!s3) throw new SyncError('bad_request', 'repatriate: this server has no S3 tier (give the --s3-* flags)');
  const limit = options.limit ?? Infinity;
  const skip = new Set<string>();
  while (result.copied + result.failed.length < limit) {
    const batch = (await index.repatriationCandidates(256 + skip.size)).filter((c) => !skip.has(c.hash));
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
    const fail = async (hash: string, error: unknown) => {
      skip.add(hash);
      result.failed.push({ hash, reason: (error as Error).message });
      if ((error as SyncError).code === 'hash_mismatch') await index.markCorrupt(hash, 's3', (error as Error).message);
    };
    const units = unitsOf(slice);
    const bySlice = new Map(slice.map((c) => [c.hash, c]));
    let next = 0;
    const worker = async () => {
      while (next < units.length) {
        // A run of packed blocks is one ranged GET; each block in it is hash-checked alone.
        const { bytes, failed } = await readUnit(service, units[next++]);
        for (const [hash, error] of failed) await fail(hash, error);
        const fetched = [...bytes].map(([hash, data]) => ({ location: bySlice.get(hash)!, data }));
        await inParallel(fetched, async ({ location, data }) => {
          try {
            await bringHome(location, data);
          } catch (error) {
            await fail(location.hash, error);
          }
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, units.length) }, worker));
    // One transaction (one fsync) per slice switches every verified block at once.
    await store.transaction(async (tx) => {
      for (const hash of home) {
        await tx.tiers.switchToInhouse(hash);
        if (!(await tx.tiers.residentInS3(hash))) await tx.tiers.markForSweep(hash, now() + service.graceMs);
      }
    });
  }
  // S3 copies that stopped being needed without coming home through this job (their
  // namespace left s3 placement) get the same grace period.
  for (let spare = await index.spareS3Copies(1024); spare.length > 0; spare = await index.spareS3Copies(1024)) {
    await store.transaction(async (tx) => {
      for (const hash of spare) await tx.tiers.markForSweep(hash, now() + service.graceMs);
    });
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
  const { store, s3 } = service.deps;
  if (!s3) return 0;
  let swept = 0;
  for (;;) {
    const doomed: string[] = [];
    const finished = new Map<string, () => void>();
    const done = (hash: string) => {
      service.deleting.delete(hash);
      finished.get(hash)!();
    };
    let due: number;
    try {
      due = await store.transaction(async (tx) => {
        // Under the lock an upload's record takes too (TierService.storeMany and confirm):
        // the copies due are looked up here, so an upload recorded before is seen live.
        await tx.lockS3Objects();
        const copies = await tx.tiers.sweepDue(now, 256);
        for (const copy of copies) {
          const row = await tx.tiers.block(copy.hash);
          // No row: the retention sweep freed the block (docs/hybrid-storage.md "Retention").
          if (!row || (row.tier === 'inhouse' && !(await tx.tiers.residentInS3(copy.hash)))) {
            if (copy.pack === null) {
              doomed.push(copy.hash);
              // Counts as being deleted from here, before the lock is let go: an upload that
              // wrote it meanwhile sees that and writes it again once the deletion is done.
              // (TierService.deleting is this process's; a separate process is not covered.)
              service.deleting.set(copy.hash, new Promise<void>((resolve) => finished.set(copy.hash, resolve)));
            } else swept++;
            // Forget first: from here a new upload of this block stores it to S3 again.
            await tx.tiers.forgetS3(copy.hash);
          } else {
            await tx.tiers.recordS3(copy.hash, row.size); // needed again since it was marked: keep it live
          }
        }
        return copies.length;
      });
    } catch (error) {
      doomed.forEach(done); // rolled back: nothing is being deleted
      throw error;
    }
    if (due === 0) break;
    await inParallel(doomed, async (hash) => {
      try {
        await s3.delete(hash as BlockHash);
      } finally {
        done(hash);
      }
    });
    swept += doomed.length;
  }
  // Packs no block points into: their last blocks were swept above or earlier, each after
  // its own grace period. New uploads go to new packs, so nothing can start using these.
  for (;;) {
    const empty = await store.tiers.emptyPacks(256);
    if (empty.length === 0) break;
    await inParallel(empty, async (id) => {
      await s3.deletePack(id);
      await store.tiers.forgetPack(id);
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
