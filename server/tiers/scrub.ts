// The scrubber: re-reads and re-hashes in-house blocks at a bounded rate, so silent disk
// corruption is found before a client needs the block, then the blocks in S3 packs
// and whole-block objects (scrub-packs.ts, scrub-s3-objects.ts). A corrupt (or vanished) copy is
// recorded at once — reads then skip it — and replaced from S3 when S3 holds a good copy;
// otherwise it is reported with the live files that use it.

import { hasCode } from '../../shared/common/errors.js';
import { scrubPacks } from './scrub-packs.js';
import type { FileUse } from './tier-index.js';
import type { TierService } from './tier-service.js';
import { sleep as pause } from '../../shared/node/sleep.js';

/** An in-house cursor past every hash: that walk is done and the S3 packs' walk is under way. */
const IN_HOUSE_DONE = '~';

export interface ScrubFinding {
  hash: string;
  reason: string;
  healed: boolean;
  files: FileUse[];
}

export interface ScrubReport {
  checked: number;
  bytes: number;
  findings: ScrubFinding[];
  /** True when the walk reached the last block (the next pass starts over). */
  finished: boolean;
  ms: number;
}

export interface ScrubOptions {
  /** Bytes read per second at most; 0 for no limit. */
  maxBytesPerSec?: number;
  /** Stop after this many blocks; the cursor is kept for the next call. */
  limit?: number;
  /** Start from the first block instead of where the last pass stopped. */
  fromStart?: boolean;
  sleep?: (ms: number) => Promise<void>;
  /** Ends the pass after the block in hand (the server is stopping). */
  signal?: AbortSignal;
}

export async function scrubOnce(service: TierService, options: ScrubOptions = {}): Promise<ScrubReport> {
  const { index } = service;
  const { inhouse, s3 } = service.deps;
  const sleep = options.sleep ?? ((ms: number) => pause(ms, options.signal));
  const rate = options.maxBytesPerSec ?? 0;
  const limit = options.limit ?? Infinity;
  const started = Date.now();
  const report: ScrubReport = { checked: 0, bytes: 0, findings: [], finished: false, ms: 0 };
  let cursor = options.fromStart ? '' : await index.scrubCursor();
  while (report.checked < limit && !options.signal?.aborted) {
    const rows = await index.inhouseAfter(cursor, Math.min(256, limit - report.checked));
    if (rows.length === 0) {
      report.finished = true;
      cursor = '';
      break;
    }
    for (const row of rows) {
      if (options.signal?.aborted) break;
      cursor = row.hash;
      report.checked++;
      report.bytes += row.size;
      try {
        await inhouse.read(row.hash, row);
      } catch (error) {
        if (!hasCode(error, 'hash_mismatch') && !hasCode(error, 'not_found')) throw error;
        report.findings.push(await heal(service, row.hash, (error as Error).message));
      }
      if (rate > 0) {
        const due = (report.bytes / rate) * 1000 - (Date.now() - started);
        if (due > 0) await sleep(due);
      }
    }
  }
  if (report.finished && s3 && report.checked < limit && !options.signal?.aborted) {
    // The in-house walk is done: S3 packs next, within what is left of this call's budget.
    const paced = async () => {
      if (rate <= 0) return;
      const due = (report.bytes / rate) * 1000 - (Date.now() - started);
      if (due > 0) await sleep(due);
    };
    const walk = await scrubPacks(service, limit - report.checked, async (bytes) => {
      report.bytes += bytes;
      await paced();
    }, () => options.signal?.aborted === true, options.fromStart === true);
    report.checked += walk.checked;
    report.findings.push(...walk.findings);
    // Not through the packs yet: the in-house walk waits (IN_HOUSE_DONE) until they are.
    if (!walk.finished) {
      report.finished = false;
      cursor = IN_HOUSE_DONE;
    }
  } else if (report.finished && s3 && cursor === '') {
    // Budget spent exactly at the end of the in-house walk: the packs' turn comes next call.
    report.finished = false;
    cursor = IN_HOUSE_DONE;
  }
  await index.setScrubCursor(cursor);
  report.ms = Date.now() - started;
  return report;

  async function heal(svc: TierService, hash: string, reason: string): Promise<ScrubFinding> {
    await index.markCorrupt(hash, 'inhouse', reason);
    if (s3 && (await index.inS3(hash))) {
      try {
        const good = await svc.fetchS3(hash);
        await inhouse.write(hash, good);
        await inhouse.read(hash, null);
        await index.switchToInhouse(hash);
        await index.markHealed(hash);
        return { hash, reason, healed: true, files: [] };
      } catch (error) {
        reason = `${reason}; S3 copy unusable too: ${(error as Error).message}`;
        await index.markCorrupt(hash, 'inhouse', reason);
      }
    }
    return { hash, reason, healed: false, files: await svc.index.filesUsing(hash) };
  }
}
