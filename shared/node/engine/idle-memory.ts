// Gives memory back once a long-running client goes idle. A full scan of a big folder leaves
// the heap grown by the walk's garbage, and V8 keeps the pages it grew to: left alone, its
// memory reducer returns part of them tens of seconds later (100,000 files: 340-500 MB RSS
// for ~75 MB of live objects). A few full collections right after the cycle hand them back.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

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
 */
export function releaseMemory(): void {
  const gc = collector();
  if (!gc) return;
  let before = process.memoryUsage().heapTotal;
  for (let i = 0; i < 3; i++) {
    gc();
    const after = process.memoryUsage().heapTotal;
    if (after >= before) return;
    before = after;
  }
}
