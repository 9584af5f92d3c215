// The scrubber's walk over S3: first the packs, each read with one GET and every block S3
// still holds in it re-hashed at its range; then the whole-block objects
// (scrub-s3-objects.ts). A corrupt (or missing) copy is recorded at once — reads then refuse
// it — and replaced by a whole-block object when the in-house store has a good copy;
// otherwise it is reported with the live files that use it.

import type { BlockHash } from '../../shared/common/blocks.js';
import { hasCode } from '../../shared/common/errors.js';
import { checkBytes } from './inhouse-store.js';
import type { S3Location } from './tier-index.js';
import type { TierService } from './tier-service.js';
import type { ScrubFinding } from './scrub.js';
import { scrubS3Objects } from './scrub-s3-objects.js';

/** A pack cursor past every pack id: the packs are done and the whole objects' walk is under way. */
const PACKS_DONE = '~';

export interface PackWalk {
  /** Blocks re-hashed, bytes read from S3 (whole packs). */
  checked: number;
  bytes: number;
  findings: ScrubFinding[];
  /** True when the walk passed the last pack and the last whole-block object. */
  finished: boolean;
}

/**
 * Checks packs after the stored cursor until `budget` blocks are checked (a pack is never
 * split), `stop()` says so, or the last pack is done; `paced(bytes)` applies the rate limit.
 */
export async function scrubPacks(
  service: TierService,
  budget: number,
  paced: (bytes: number) => Promise<void>,
  stop: () => boolean,
  fromStart: boolean,
): Promise<PackWalk> {
  const { index } = service;
  const { s3 } = service.deps;
  const walk: PackWalk = { checked: 0, bytes: 0, findings: [], finished: false };
  if (!s3) {
    walk.finished = true;
    return walk;
  }
  let cursor = fromStart ? '' : await index.packScrubCursor();
  while (walk.checked < budget && !stop()) {
    const [pack] = await index.packsAfter(cursor, 1);
    if (!pack) {
      // Packs done: the whole-block objects next, within what is left of the budget.
      const objects = await scrubS3Objects(service, budget - walk.checked, paced, stop, fromStart);
      walk.checked += objects.checked;
      walk.bytes += objects.bytes;
      walk.findings.push(...objects.findings);
      walk.finished = objects.finished;
      cursor = objects.finished ? '' : PACKS_DONE;
      break;
    }
    cursor = pack.id;
    if (pack.blocks.length === 0) continue; // its blocks all went; the sweep deletes it
    let bytes: Buffer | null = null;
    let lost = '';
    try {
      bytes = await s3.getPackRange(pack.id, 0, pack.size);
    } catch (error) {
      if (!hasCode(error, 'not_found')) throw error;
      lost = (error as Error).message;
    }
    walk.bytes += pack.size;
    for (const block of pack.blocks) {
      walk.checked++;
      try {
        if (!bytes) throw new Error(lost);
        checkBytes(block.hash, bytes.subarray(block.offset!, block.offset! + block.size), `S3 pack ${pack.id} at ${block.offset}`);
      } catch (error) {
        walk.findings.push(await healS3(service, block, (error as Error).message));
      }
    }
    await paced(pack.size);
  }
  await index.setPackScrubCursor(cursor);
  return walk;
}

/** Records a bad S3 copy; re-uploads it from a good in-house copy, or reports the files using it. */
export async function healS3(service: TierService, block: S3Location, reason: string): Promise<ScrubFinding> {
  const { index } = service;
  const { inhouse, s3 } = service.deps;
  await index.markCorrupt(block.hash, 's3', reason);
  const row = await index.block(block.hash);
  if (row?.tier === 'inhouse') {
    try {
      const good = await inhouse.read(block.hash, row);
      await s3!.put(block.hash as BlockHash, good);
      await index.relocateS3(block.hash);
      await index.markHealed(block.hash);
      return { hash: block.hash, reason, healed: true, files: [] };
    } catch (error) {
      reason = `${reason}; in-house copy unusable too: ${(error as Error).message}`;
      await index.markCorrupt(block.hash, 's3', reason);
    }
  }
  return { hash: block.hash, reason, healed: false, files: await index.filesUsing(block.hash) };
}
