// The server's background tier jobs: repatriation (when S3 holds blocks of in-house
// namespaces and the in-house store answers) and the scrubber (a bounded-rate walk over
// in-house blocks). Each runs one slice at a time, so stopping never waits long, and a
// failing slice is logged and retried on the next tick rather than ending the job.

import { repatriateOnce } from './repatriate.js';
import { scrubOnce } from './scrub.js';
import type { TierService } from './tier-service.js';
import type { TierStore } from './tier-store.js';

export interface TierJobOptions {
  /** Pause between repatriation checks; 0 disables the job. */
  repatriateEveryMs: number;
  /** Scrubber read rate in bytes/s; 0 disables the job. */
  scrubBytesPerSec: number;
  /** Pause after a full scrub pass before the next. */
  scrubPauseMs?: number;
  log?: (line: string) => void;
}

export interface TierJobs {
  /** Runs one repatriation check now (tests and benchmarks use it to skip the wait). */
  repatriateNow(): Promise<void>;
  stop(): Promise<void>;
}

/** True when repatriation and the S3 sweep have nothing to do. */
async function idle(index: TierStore): Promise<boolean> {
  const some = [index.repatriationCandidates(1), index.sweepDue(Date.now(), 1), index.emptyPacks(1), index.spareS3Copies(1)];
  return (await Promise.all(some)).every((found) => found.length === 0);
}

export function startTierJobs(service: TierService, options: TierJobOptions): TierJobs {
  const log = options.log ?? ((line: string) => console.error(line));
  let stopped = false;
  const stopping = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const later = (ms: number, run: () => Promise<void>) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const job = run().finally(() => running.delete(job));
      running.add(job);
    }, ms);
    timer.unref();
    timers.add(timer);
  };

  let repatriating: Promise<void> | null = null;
  const repatriate = (): Promise<void> => {
    repatriating ??= (async () => {
      try {
        const { s3, inhouse } = service.deps;
        if (!s3 || (await idle(service.index))) return;
        if (!(await inhouse.healthy())) return;
        // One server of those sharing the database at a time; the others skip this tick.
        const result = await service.deps.store.exclusive('repatriation', () => repatriateOnce(service, { limit: 2048 }));
        if (!result) return;
        if (result.copied || result.swept || result.packsDeleted || result.failed.length) {
          log(`repatriation: ${result.copied} blocks (${result.bytes} bytes) home, ${result.swept} S3 copies swept (${result.packsDeleted} packs deleted), ${result.failed.length} failed${result.failed[0] ? ` (${result.failed[0].reason})` : ''}`);
        }
      } catch (error) {
        log(`repatriation: ${(error as Error).message}`);
      } finally {
        repatriating = null;
      }
    })();
    return repatriating;
  };
  const repatriateLoop = async () => {
    await repatriate();
    later(options.repatriateEveryMs, repatriateLoop);
  };
  if (options.repatriateEveryMs > 0) later(options.repatriateEveryMs, repatriateLoop);

  const scrubLoop = async () => {
    let pause = 1000;
    try {
      const report = await service.deps.store.exclusive('scrub', () =>
        scrubOnce(service, { limit: 64, maxBytesPerSec: options.scrubBytesPerSec, signal: stopping.signal }),
      );
      for (const f of report?.findings ?? []) {
        log(`scrub: block ${f.hash} ${f.healed ? 'was corrupt, replaced from S3' : `is corrupt and has no good copy (${f.reason}); used by ${f.files.map((u) => `${u.namespace}:${u.path}`).join(', ') || 'no live file'}`}`);
      }
      // No report: another server on the same database scrubs now (the walk's cursor is shared).
      if (!report || report.finished) pause = options.scrubPauseMs ?? 60_000;
      else pause = 0;
    } catch (error) {
      log(`scrub: ${(error as Error).message}`);
      pause = 30_000;
    }
    later(pause, scrubLoop);
  };
  if (options.scrubBytesPerSec > 0) later(5000, scrubLoop);

  return {
    repatriateNow: repatriate,
    async stop() {
      stopped = true;
      stopping.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
