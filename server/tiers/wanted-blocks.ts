// The server's end of healing from devices (docs/hybrid-storage.md, "Healing from devices"):
// a block found corrupt or missing with no good copy left (by the scrubber, or by a read
// whose hash check failed) is wanted again from the devices of the namespaces that own it.
// Each namespace is told only its own wanted hashes (GET /v1/blocks/wanted), and how many
// there are on its long-polls; the first good upload of a block heals it and ends the want.
// The facts live in the tier index (corrupt_blocks, tier-store.ts); this keeps the loop's two moves: answering
// what a namespace is asked for, and waking its long-polls when that changes.

import { MAX_WANTED_HASHES } from '../../shared/common/limits.js';
import type { TierStore } from './tier-store.js';

export class WantedBlocks {
  /** Per namespace, how many times its list changed since this process started. */
  private readonly seqs = new Map<number, number>();
  /** Per namespace, its count when the list last changed here. */
  private readonly counts = new Map<number, number>();

  constructor(
    private readonly index: TierStore,
    /** Ends the namespace's long-polls at once, so its devices hear of the change. */
    private readonly wake: (namespaceId: number) => void,
  ) {}

  /** The namespace's wanted block hashes, oldest finding first, at most MAX_WANTED_HASHES. */
  list(namespaceId: number): Promise<string[]> {
    return this.index.wanted(namespaceId, MAX_WANTED_HASHES);
  }

  count(namespaceId: number): Promise<number> {
    return this.index.wantedCount(namespaceId);
  }

  /** Grows with every change of the namespace's list this process saw (LongpollResponse.wantedSeq). */
  seqOf(namespaceId: number): number {
    return this.seqs.get(namespaceId) ?? 0;
  }

  /** The namespace just stored verified bytes of `hashes`: wants they answer are over. */
  async stored(namespaceId: number, hashes: readonly string[]): Promise<void> {
    if ((await this.index.healedBy(hashes)) > 0) await this.changed(namespaceId);
  }

  /**
   * A read of an owned block failed for the namespace; when it found the copy corrupt or
   * missing, the namespace's devices hear of the new want now rather than at their next poll.
   */
  async readFailed(namespaceId: number): Promise<void> {
    // Only a new want is news: another failed read of a block wanted already changes
    // nothing, and waking the devices for it would have the reader retry in a loop.
    const count = await this.count(namespaceId);
    if (count > 0 && count !== this.counts.get(namespaceId)) await this.changed(namespaceId);
  }

  private async changed(namespaceId: number): Promise<void> {
    this.seqs.set(namespaceId, this.seqOf(namespaceId) + 1);
    this.counts.set(namespaceId, await this.count(namespaceId));
    this.wake(namespaceId);
  }
}
