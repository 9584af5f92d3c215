// The scrubber's walk over whole-block S3 objects (`<prefix>blocks/<hash>`), after the packs:
// each live object is read and hash-checked (S3Tier.get refuses wrong bytes), so a copy S3
// lost or damaged is found before the in-house tier fails and a client needs it.

import type { BlockHash } from '../../shared/common/blocks.js';
import { hasCode } from '../../shared/common/errors.js';
import { healS3, type PackWalk } from './scrub-packs.js';
import type { TierService } from './tier-service.js';

/** Checks objects after the stored cursor until `budget` blocks, `stop()`, or the last object. */
export async function scrubS3Objects(
  service: TierService,
  budget: number,
  paced: (bytes: number) => Promise<void>,
  stop: () => boolean,
  fromStart: boolean,
): Promise<PackWalk> {
  const { index } = service;
  const { s3 } = service.deps;
  const walk: PackWalk = { checked: 0, bytes: 0, findings: [], finished: false };
  let cursor = fromStart ? '' : await index.objectScrubCursor();
  while (walk.checked < budget && !stop()) {
    const [object] = await index.s3ObjectsAfter(cursor, 1);
    if (!object) {
      walk.finished = true;
      cursor = '';
      break;
    }
    cursor = object.hash;
    walk.checked++;
    walk.bytes += object.size;
    try {
      await s3!.get(object.hash as BlockHash);
    } catch (error) {
      if (!hasCode(error, 'hash_mismatch') && !hasCode(error, 'not_found')) throw error;
      walk.findings.push(await healS3(service, object, (error as Error).message));
    }
    await paced(object.size);
  }
  await index.setObjectScrubCursor(cursor);
  return walk;
}
