// Runs the retention sweep (retention.ts) in the background: soon after the server starts,
// then every hour. A pass that fails is logged and tried again at the next.

import { sweepRetention, type RetentionDeps } from './retention.js';

const FIRST_MS = 5_000;
const EVERY_MS = 3600_000;

export interface RetentionJob {
  stop(): Promise<void>;
}

export function startRetentionJob(deps: RetentionDeps, log: (line: string) => void = (line) => console.error(line)): RetentionJob {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = async () => {
    try {
      const r = await sweepRetention(deps);
      if (r.revisions || r.blocks || r.packs) {
        const reason = r.unfreedReason ? `: ${r.unfreedReason}` : '';
        const unfreed = r.unfreed > 0 ? `; the in-house store kept ${r.unfreed} of them (written lately, or not reached${reason})` : '';
        log(`retention: ${r.revisions} revisions older than ${deps.retentionDays} days dropped; ${r.blocks} blocks (${r.bytes} bytes) no revision uses freed (${r.packs} pack files, ${r.s3Copies} S3 copies)${unfreed}`);
      }
    } catch (error) {
      log(`retention: ${(error as Error).message}`);
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().then(() => schedule(EVERY_MS));
    }, ms);
    timer.unref();
  };
  if (deps.retentionDays > 0) schedule(FIRST_MS);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
