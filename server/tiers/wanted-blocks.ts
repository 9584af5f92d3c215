// The server's end of healing from devices (docs/hybrid-storage.md, "Healing from devices"):
// a block found corrupt or missing with no good copy left (by the scrubber, or by a read
// whose hash check failed) is wanted again from the devices of the namespaces that own it.
// Each namespace is told only its own wanted hashes (GET /v1/blocks/wanted), and how many
// there are on its long-polls; the first good upload of a block heals it and ends the want.
// The facts live in TierIndex (corrupt_blocks); this keeps the loop's two moves: answering
// what a namespace is asked for, and waking its long-polls when that changes.

import { MAX_WANTED_HASHES } from '../../shared/common/limits.js';
import type { TierIndex } from './tier-index.js';

export class WantedBlocks {
  constructor(
    private readonly index: TierIndex,
    /** Ends the namespace's long-polls at once, so its devices hear of the change. */
    private readonly wake: (namespaceId: number) => void,
  ) {}

  /** The namespace's wanted block hashes, oldest finding first, at most MAX_WANTED_HASHES. */
  list(namespaceId: number): string[] {
    return this.index.wanted(namespaceId, MAX_WANTED_HASHES);
  }

  count(namespaceId: number): number {
    return this.index.wantedCount(namespaceId);
  }

  /** The namespace just stored verified bytes of `hashes`: wants they answer are over. */
  stored(namespaceId: number, hashes: readonly string[]): void {
    if (this.index.healedBy(hashes) > 0) this.wake(namespaceId);
  }

  /**
   * A read of an owned block failed for the namespace; when it found the copy corrupt or
   * missing, the namespace's devices hear of the new want now rather than at their next poll.
   */
  readFailed(namespaceId: number): void {
    if (this.count(namespaceId) > 0) this.wake(namespaceId);
  }
}
