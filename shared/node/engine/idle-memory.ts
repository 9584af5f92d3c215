// Gives memory back once a long-running client goes idle. A full scan of a big folder leaves
// the heap grown by the walk's garbage, and V8 keeps the pages it grew to: left alone, its
// memory reducer returns part of them tens of seconds later (100,000 files: 340-500 MB RSS
// for ~75 MB of live objects). A few full collections right after the cycle hand them back.
//
// The young generation is the exception: a busy scan grows it to its 32 MB maximum, and V8
// shrinks it only in a collection made while allocation has been low for its whole
// throughput window (5 s). So one more collection follows a few seconds later, unless the
// process got busy again meanwhile (measured: -25 MB RSS at 100,000 files, the same as
// starting with --max-semi-space-size=2, which cannot be set once the process runs).

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Longer than V8's allocation-throughput window, so the late collection may shrink. */
export const SETTLE_MS = 6_000;
/** Heap growth after which the process counts as busy again and the late collection is skipped. */
const BUSY_BYTES = 4 * 1024 * 1024;

let collect: (() => void) | null | undefined;
let late: NodeJS.Timeout | null = null;

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
 * Runs full collections until the heap stops shrinking (at most three): the first frees the
 * garbage, the next ones compact what is left and release the emptied pages. Blocks for
 * roughly 20-50 ms per collection at 100,000 indexed files; call it when nothing is waiting.
 * One more collection follows `settleMs` later if the heap has stayed put by then.
 */
export function releaseMemory(settleMs = SETTLE_MS): void {
  const gc = collector();
  if (!gc) return;
  let before = process.memoryUsage().heapTotal;
  for (let i = 0; i < 3; i++) {
    gc();
    const after = process.memoryUsage().heapTotal;
    if (after >= before) break;
    before = after;
  }
  if (late) clearTimeout(late);
  const used = getHeapStatistics().used_heap_size;
  late = setTimeout(() => {
    late = null;
    if (getHeapStatistics().used_heap_size - used < BUSY_BYTES) gc();
  }, settleMs);
  late.unref();
}
