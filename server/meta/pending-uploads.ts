// Multi-block files whose upload is under way: a commit answered need_blocks and the
// blocks are arriving. Other devices of the namespace read this list to fetch those blocks
// while the upload runs, instead of only after its final commit. Hints only: held in
// memory, never in the journal, so a restart forgets them and loses nothing.

import { BLOCK_SIZE, type BlockHash } from '../../shared/common/blocks.js';
import type { CommitResult, PendingUpload } from '../../shared/common/protocol.js';
import { MAX_PENDING_BLOCKS_PER_NAMESPACE, MAX_PENDING_PER_NAMESPACE } from '../../shared/common/limits.js';
import { contentHashOf } from '../../shared/node/blocks/content-hash.js';

/** An upload not finished in this time is forgotten (its device may be gone). */
export const PENDING_TTL_MS = 10 * 60_000;

interface Namespace {
  byPath: Map<string, PendingUpload>;
  seq: number;
}

export class PendingUploads {
  private readonly namespaces = new Map<number, Namespace>();
  /**
   * Grows with every upload added, across namespaces. It starts at the clock, so a client
   * still holding a seq from before a restart is not told "nothing new" for long.
   */
  private seq: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = PENDING_TTL_MS,
  ) {
    this.seq = now();
  }

  /**
   * Applies one commit batch's answers: a put answered need_blocks becomes (or replaces)
   * its path's pending upload when it has more than one block; a path committed by anyone,
   * or answered otherwise for the device that announced it, is dropped. `changes` are the
   * request's raw changes, `results` the committer's answers in the same order. Returns true
   * when an upload was added (long-polls are then worth waking).
   */
  record(namespaceId: number, device: string, changes: readonly unknown[], results: readonly CommitResult[]): boolean {
    let added = false;
    results.forEach((result, i) => {
      const change = changes[i] as Record<string, unknown> | null;
      if (typeof change !== 'object' || change === null) return;
      const paths = [change.path, change.from].filter((p): p is string => typeof p === 'string').map((p) => p.normalize('NFC'));
      if (result.status === 'need_blocks' && change.kind === 'put') {
        const blocks = change.blocks as BlockHash[]; // checked by the committer before need_blocks
        if (blocks.length < 2 || typeof change.size !== 'number' || change.size <= BLOCK_SIZE) {
          this.drop(namespaceId, paths[0], device);
          return;
        }
        this.add(namespaceId, {
          path: paths[0],
          size: change.size,
          mtime: Math.trunc(change.mtime as number),
          contentHash: contentHashOf(blocks),
          blocks,
          device,
          since: this.now(),
        });
        added = true;
        return;
      }
      for (const path of paths) this.drop(namespaceId, path, result.status === 'committed' ? null : device);
    });
    return added;
  }

  /** The namespace's live pending uploads, oldest first. */
  list(namespaceId: number): PendingUpload[] {
    const ns = this.prune(namespaceId);
    return ns ? [...ns.byPath.values()] : [];
  }

  /** The namespace's seq: it grows when an upload is added there (0 when none ever was). */
  seqOf(namespaceId: number): number {
    return this.namespaces.get(namespaceId)?.seq ?? 0;
  }

  has(namespaceId: number): boolean {
    return (this.prune(namespaceId)?.byPath.size ?? 0) > 0;
  }

  private add(namespaceId: number, upload: PendingUpload): void {
    let ns = this.prune(namespaceId);
    if (!ns) this.namespaces.set(namespaceId, (ns = { byPath: new Map(), seq: 0 }));
    const old = ns.byPath.get(upload.path);
    // The same content announced again (the uploader's retry) keeps its place and age.
    if (old && old.contentHash === upload.contentHash && old.device === upload.device) return;
    ns.byPath.delete(upload.path);
    // A file too big to hint at is only committed, like a one-block file.
    if (upload.blocks.length > MAX_PENDING_BLOCKS_PER_NAMESPACE) return;
    ns.byPath.set(upload.path, upload);
    // Bounded in count and in the hashes held (memory), the oldest going first.
    let blocks = 0;
    for (const held of ns.byPath.values()) blocks += held.blocks.length;
    while (ns.byPath.size > MAX_PENDING_PER_NAMESPACE || blocks > MAX_PENDING_BLOCKS_PER_NAMESPACE) {
      const oldest = ns.byPath.keys().next().value!;
      blocks -= ns.byPath.get(oldest)!.blocks.length;
      ns.byPath.delete(oldest);
    }
    ns.seq = ++this.seq;
  }

  /** Drops `path`'s pending upload; with `device`, only if that device announced it. */
  private drop(namespaceId: number, path: string, device: string | null): void {
    const ns = this.namespaces.get(namespaceId);
    const upload = ns?.byPath.get(path);
    if (!ns || !upload || (device !== null && upload.device !== device)) return;
    ns.byPath.delete(path);
  }

  /** Forgets expired uploads (oldest first: insertion order); the namespace's record, or null. */
  private prune(namespaceId: number): Namespace | null {
    const ns = this.namespaces.get(namespaceId);
    if (!ns) return null;
    const cutoff = this.now() - this.ttlMs;
    for (const [path, upload] of ns.byPath) {
      if (upload.since > cutoff) break;
      ns.byPath.delete(path);
    }
    return ns;
  }
}
