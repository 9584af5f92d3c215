// One scenario over the tier index (server/tiers/tier-store.ts) that notes every answer:
// the contract suite runs it on SQLite and on PostgreSQL and compares the two transcripts,
// so the engines answer the same values in the same order. Hashes are fixed, and so are
// the times the scenario gives; the times the store takes itself (found_at) are left out.

import { createHash } from 'node:crypto';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { contentHashOf } from '../../../shared/node/blocks/content-hash.js';
import type { MetaStore } from '../../../server/store/meta-store.js';

/** A fixed block hash per number. */
export const hashOf = (i: number) => createHash('sha256').update(`block ${i}`).digest('hex') as BlockHash;

export async function tierTranscript(store: MetaStore): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  const note = (what: string, value: unknown) => out.push([what, value instanceof Map ? [...value] : value]);
  const t = store.tiers;
  const h = hashOf;
  const ann = (await store.authenticate(await store.createUser('ann')))!.namespaceId;
  const bea = (await store.authenticate(await store.createUser('bea')))!.namespaceId;

  // In-house blocks 0-5 (ann), 3-4 shared with bea; a pack of three S3 blocks (bea); a whole S3 object (ann).
  await store.transaction(async (tx) => {
    await tx.placeBlocks([0, 1, 2, 3, 4, 5].map((i) => ({ hash: h(i), size: 100 + i, pack: i >= 4 ? 'local-pack' : null, offset: i >= 4 ? (i - 4) * 200 : null })));
    await tx.addOwners(ann, [0, 1, 2, 3, 4, 5].map(h));
    await tx.addOwners(bea, [h(3), h(4)]);
    await tx.lockS3Objects();
    await tx.tiers.recordPack('pack-a', 300, 3);
    for (const i of [6, 7, 8]) await tx.tiers.recordS3(h(i), 100, 'pack-a', (i - 6) * 100);
    await tx.addOwners(bea, [h(6), h(7), h(8)]);
    await tx.tiers.recordS3(h(9), 50);
    await tx.addOwners(ann, [h(9)]);
    await tx.lockNamespace(ann);
    await tx.append(ann, { path: 'a.txt', fileId: 'f-a', deleted: false, size: 201, mtime: 1, contentHash: contentHashOf([h(0), h(1)]), blocks: [h(0), h(1)], device: 'd' });
    await tx.append(ann, { path: 'b.txt', fileId: 'f-b', deleted: false, size: 50, mtime: 1, contentHash: contentHashOf([h(9)]), blocks: [h(9)], device: 'd' });
    await tx.append(ann, { path: 'a.txt', fileId: 'f-a', deleted: false, size: 100, mtime: 2, contentHash: contentHashOf([h(1)]), blocks: [h(1)], device: 'd' });
  });
  note('set placement bea', await t.setPlacement('bea', 's3'));
  note('set placement nobody', await t.setPlacement('nobody', 's3'));
  note('placements', [await t.placementOf(ann), await t.placementOf(bea), await t.placementOf(999)]);
  note('blocks', [await t.block(h(0)), await t.block(h(4)), await t.block(h(6)), await t.block(h(99))]);
  note('in S3', [await t.inS3(h(6)), await t.inS3(h(0))]);
  note('locations', [await t.s3Location(h(7)), await t.s3Location(h(9)), await t.s3Location(h(0))]);
  await t.recordS3(h(1), 101); // an S3 copy of a block that is home
  note('resident', [await t.residentInS3(h(1)), await t.residentInS3(h(6))]);
  note('spare copies', await t.spareS3Copies(10));
  note('candidates', await t.repatriationCandidates(10));
  note('counts', await t.counts());
  note('ann counts', await t.namespaceCounts(ann));
  note('bea counts', await t.namespaceCounts(bea));
  note('packs', await t.packsAfter('', 10));
  note('packs past the end', await t.packsAfter('~', 10));
  note('whole pack', [await t.ownsWholePack('pack-a', bea), await t.ownsWholePack('pack-a', ann), await t.ownsWholePack('nope', bea)]);
  note('objects', await t.s3ObjectsAfter('', 10));
  note('objects past the end', await t.s3ObjectsAfter('~', 10));
  note('in-house', await t.inhouseAfter('', 10));
  note('in-house after 3', await t.inhouseAfter(h(3), 2));
  note('in-house past the end', await t.inhouseAfter('~', 10));
  note('files using', [await t.filesUsing(h(1)), await t.filesUsing(h(0)), await t.filesUsing(h(1).slice(10, 50))]);

  await t.markForSweep(h(1), 1000);
  note('due', [await t.sweepDue(2000, 10), await t.sweepDue(500, 10)]);
  note('revive', [await t.reviveS3(h(1)), await t.reviveS3(h(98))]);
  note('due after revive', await t.sweepDue(2000, 10));
  await t.forgetS3(h(1));
  note('forgotten', await t.inS3(h(1)));
  note('empty packs', await t.emptyPacks(10));
  for (const i of [6, 7, 8]) await t.forgetS3(h(i));
  note('empty packs after', await t.emptyPacks(10));
  await t.forgetPack('pack-a');
  note('packs forgotten', await t.packsAfter('', 10));

  note('cursors before', [await t.scrubCursor(), await t.packScrubCursor(), await t.objectScrubCursor()]);
  await t.setScrubCursor(h(2));
  await t.setPackScrubCursor('pack-a');
  await t.setObjectScrubCursor('~');
  await t.setObjectScrubCursor(h(5));
  note('cursors after', [await t.scrubCursor(), await t.packScrubCursor(), await t.objectScrubCursor()]);

  note('healed with none corrupt', await t.healedBy([h(3)]));
  await t.markCorrupt(h(3), 'inhouse', 'bad bytes');
  await t.markCorrupt(h(0), 's3', 'gone');
  await t.markCorrupt(h(0), 'inhouse', 'gone too');
  note('wanted', [await t.wanted(ann, 10), await t.wanted(bea, 10), await t.wanted(ann, 1)]);
  note('wanted counts', [await t.wantedCount(ann), await t.wantedCount(bea)]);
  note('corrupt', (await t.corrupt()).map(({ hash, tier, detail }) => ({ hash, tier, detail })));
  note('corrupt counts', [(await t.counts()).corruptBlocks, (await t.namespaceCounts(bea)).corruptBlocks]);
  note('healed', await t.healedBy([h(3), h(3), h(5)]));
  note('healed again', [await t.markHealed(h(3)), await t.markHealed(h(0))]);
  note('wanted after', [await t.wantedCount(ann), await t.wantedCount(bea)]);

  await t.switchToS3(h(2));
  note('switched to S3', await t.block(h(2)));
  await t.recordInhouse(h(2), 102);
  note('back home', await t.block(h(2)));
  await t.recordInhouse(h(50), 7);
  note('new in-house', await t.block(h(50)));
  await t.recordS3(h(9), 50, 'pack-b', 10);
  note('recorded again keeps its place', await t.s3Location(h(9)));
  await t.relocateS3(h(9));
  note('relocated', await t.s3Location(h(9)));
  await t.switchToInhouse(h(9));
  note('home', [await t.block(h(9)), await t.spareS3Copies(10), await t.repatriationCandidates(10)]);
  note('final counts', await t.counts());
  return out;
}
