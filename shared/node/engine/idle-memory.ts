// Gives memory back once a long-running client goes idle. A full scan of a big folder leaves
// the heap grown by the walk's garbage, and V8 keeps the pages it grew to: left alone, its
// memory reducer returns part of them tens of seconds later (100,000 files: 340-500 MB RSS
// for ~75 MB of live objects). Full collections right after the cycle hand them back.
//
// The young generation is the exception: a busy scan grows it to its 32 MB maximum, and V8
// shrinks it only in a collection made while allocation has been low for its whole
// throughput window (5 s). So one more collection follows a few seconds later, unless the
// process got busy again meanwhile (measured: -25 MB RSS at 100,000 files, the same as
// starting with --max-semi-space-size=2, which cannot be set once the process runs). That
// one also compacts the old generation fully.

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { realScheduler } from '../scheduler/real-scheduler.js';
import type { Scheduler, Timer } from '../scheduler/scheduler.js';

/** Longer than V8's allocation-throughput window, so the late collection may shrink. */
export const SETTLE_MS = 6_000;
/** Heap growth after which the process counts as busy again and the late collection is skipped. */
const BUSY_BYTES = 4 * 1024 * 1024;

let collect: (() => void) | null | undefined;
/** The late collection's timer, on the scheduler that set it (the heap is the process's: one for all engines). */
let late: { timer: Timer; scheduler: Scheduler } | null = null;

/** V8's gc(), or null where it cannot be had. */
function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      // --expose-gc applies to contexts created after it is set; a fresh one hands out gc().
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collect = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/**
 * Runs two full collections, the second compacting the old generation whole. Blocks for
 * roughly 50-150 ms at 100,000 indexed files; call it when nothing is waiting. One more
 * (compacting) collection follows `settleMs` later (on `scheduler`) if the heap has stayed put by then.
 */
export function releaseMemory(settleMs = SETTLE_MS, scheduler: Scheduler = realScheduler): void {
  const gc = collector();
  if (!gc) return;
  // The first frees the garbage; the second moves the survivors together and releases the
  // pages they leave (ordinary collections compact only the sparsest pages).
  gc();
  compacting(gc);
  if (late) late.scheduler.clear(late.timer);
  const used = getHeapStatistics().used_heap_size;
  const timer = scheduler.setTimeout(() => {
    late = null;
    if (getHeapStatistics().used_heap_size - used < BUSY_BYTES) compacting(gc);
  }, settleMs, { background: true });
  late = { timer, scheduler };
}

/**
 * A full collection that evacuates every old-generation page, not only the sparsest: after a
 * big scan the survivors (the index) sit scattered over pages V8 would otherwise keep
 * (100,000 files: 65 MB of old space for 44 MB of objects). The flag is V8's own, set for this
 * one collection only; where it is unknown the collection is an ordinary one.
 */
function compacting(gc: () => void): void {
  try {
    setFlagsFromString('--compact-on-every-full-gc');
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}
