// Reading many S3-held blocks at once: packed blocks are grouped into runs of one pack
// (offset order, bounded span), each run fetched with one ranged GET and every block in
// it hash-checked on its own; whole-block objects are fetched one by one. Used by the
// multi-block read and by repatriation.

import type { BlockHash } from '../../shared/common/blocks.js';
import { hasCode } from '../../shared/common/errors.js';
import { checkBytes } from './inhouse-store.js';
import type { S3Location } from './tier-index.js';
import type { TierService } from './tier-service.js';

/** Most bytes one ranged read of a pack fetches. */
export const RUN_BYTES = 16 * 1024 * 1024;

export interface ReadUnit {
  /** null: one whole-block object. */
  pack: string | null;
  blocks: S3Location[];
}

/** Whole-block objects one by one; packed blocks in runs of one pack, at most RUN_BYTES from first start to last end. */
export function unitsOf(locations: S3Location[]): ReadUnit[] {
  const sorted = [...locations].sort((a, b) => (a.pack ?? '').localeCompare(b.pack ?? '') || (a.offset ?? 0) - (b.offset ?? 0));
  const units: ReadUnit[] = [];
  let run: ReadUnit | null = null;
  for (const c of sorted) {
    if (c.pack === null || c.offset === null) {
      units.push({ pack: null, blocks: [{ ...c, pack: null }] });
      continue;
    }
    const first = run?.blocks[0];
    if (!run || run.pack !== c.pack || c.offset + c.size - first!.offset! > RUN_BYTES) {
      run = { pack: c.pack, blocks: [] };
      units.push(run);
    }
    run.blocks.push(c);
  }
  return units;
}

/** The bytes of one unit, each block hash-checked; a block that fails is in `failed` with why. */
export async function readUnit(service: TierService, unit: ReadUnit): Promise<{ bytes: Map<string, Buffer>; failed: Map<string, Error> }> {
  const s3 = service.deps.s3!;
  const bytes = new Map<string, Buffer>();
  const failed = new Map<string, Error>();
  if (unit.pack === null) {
    const { hash } = unit.blocks[0];
    try {
      bytes.set(hash, await s3.get(hash as BlockHash)); // hash-checked by get
    } catch (error) {
      failed.set(hash, error as Error);
    }
    return { bytes, failed };
  }
  const start = unit.blocks[0].offset!;
  const last = unit.blocks[unit.blocks.length - 1];
  let span: Buffer;
  try {
    span = await s3.getPackRange(unit.pack, start, last.offset! + last.size - start);
  } catch (error) {
    for (const c of unit.blocks) failed.set(c.hash, error as Error);
    return { bytes, failed };
  }
  for (const c of unit.blocks) {
    try {
      bytes.set(c.hash, checkBytes(c.hash, span.subarray(c.offset! - start, c.offset! - start + c.size), `S3 pack ${unit.pack}`));
    } catch (error) {
      failed.set(c.hash, error as Error);
    }
  }
  return { bytes, failed };
}

/**
 * Reads S3-held blocks, `width` units at a time. Wrong or missing bytes are recorded as
 * corrupt S3 copies (as a single read would) and left out of the answer.
 */
export async function readManyFromS3(service: TierService, locations: S3Location[], width = 8): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const units = unitsOf(locations);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, units.length) }, async () => {
      while (next < units.length) {
        const { bytes, failed } = await readUnit(service, units[next++]);
        for (const [hash, data] of bytes) out.set(hash, data);
        for (const [hash, error] of failed) {
          if (hasCode(error, 'hash_mismatch') || hasCode(error, 'not_found')) await service.index.markCorrupt(hash, 's3', error.message);
        }
      }
    }),
  );
  return out;
}
