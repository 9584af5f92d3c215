// Repatriation: blocks that went to S3 while the in-house store was down come home once it
// is healthy — read from S3 (hash-checked), written in-house (hash-checked again by the
// store as it writes), its size confirmed, then the index switches the block to 'inhouse'.
// The S3 copy is only marked; a later sweep deletes copies whose grace period is over,
// re-checking first that nothing (an s3-placement namespace, a block that went back to S3)
// still needs them.

import type { BlockHash } from '../../shared/common/blocks.js';
import { SyncError } from '../../shared/common/errors.js';
import type { TierService } from './tier-service.js';

export interface RepatriationResult {
  copied: number;
  bytes: number;
  swept: number;
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
  const result: RepatriationResult = { copied: 0, bytes: 0, swept: 0, failed: [], ms: 0 };
  if (!s3) throw new SyncError('bad_request', 'repatriate: this server has no S3 tier (give the --s3-* flags)');
  const limit = options.limit ?? Infinity;
  const skip = new Set<string>();
  while (result.copied + result.failed.length < limit) {
    const batch = index.repatriationCandidates(256 + skip.size).filter((c) => !skip.has(c.hash));
    if (batch.length === 0) break;
    const slice = batch.slice(0, Math.min(batch.length, limit - result.copied - result.failed.length));
    let next = 0;
    const home: string[] = [];
    const worker = async () => {
      while (next < slice.length) {
        const { hash, size } = slice[next++];
        try {
          // s3.get hash-checks what S3 sent; the in-house store hash-checks it again as it
          // writes (the block service refuses a mismatch), so a HEAD confirms it landed.
          const bytes = await s3.get(hash as BlockHash);
          await inhouse.write(hash, bytes);
          const stored = await inhouse.head(hash);
          if (stored !== size) throw new SyncError('hash_mismatch', `repatriate block ${hash}: in-house copy is ${stored ?? 'missing'}, expected ${size} bytes`);
          home.push(hash);
          result.copied++;
          result.bytes += bytes.length;
        } catch (error) {
          skip.add(hash);
          result.failed.push({ hash, reason: (error as Error).message });
          if ((error as SyncError).code === 'hash_mismatch') index.markCorrupt(hash, 's3', (error as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, slice.length) }, worker));
    // One transaction (one fsync) per slice switches every verified block at once.
    index.db.transaction(() => {
      for (const hash of home) {
        index.switchToInhouse(hash);
        if (!index.residentInS3(hash)) index.markForSweep(hash, now() + service.graceMs);
      }
    })();
  }
  result.swept = await sweepS3(service, now());
  result.ms = Date.now() - started;
  return result;
}

/** Deletes S3 copies whose grace period is over and that nothing needs any more. */
export async function sweepS3(service: TierService, now: number): Promise<number> {
  const { index, s3 } = service.deps;
  if (!s3) return 0;
  let swept = 0;
  for (;;) {
    const due = index.sweepDue(now, 256);
    if (due.length === 0) return swept;
    const doomed: string[] = [];
    index.db.transaction(() => {
      for (const hash of due) {
        const row = index.block(hash);
        if (row && row.tier === 'inhouse' && !index.residentInS3(hash)) {
          doomed.push(hash);
          // Forget first: from here a new upload of this block stores it to S3 again, once
          // the deletion below is done (TierService.deleting); a separate process is not covered.
          index.forgetS3(hash);
        } else if (row) {
          index.recordS3(hash, row.size); // needed again since it was marked: keep it live
        } else {
          index.forgetS3(hash);
        }
      }
    })();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(8, doomed.length) }, async () => {
        while (next < doomed.length) {
          const hash = doomed[next++];
          const deletion = s3.delete(hash as BlockHash).finally(() => service.deleting.delete(hash));
          service.deleting.set(hash, deletion.catch(() => undefined));
          await deletion;
        }
      }),
    );
    swept += doomed.length;
  }
}
