// Which namespace may use which block. A namespace owns a block only after it uploaded the
// bytes (or re-uploaded a block stored for someone else): knowing a hash proves nothing,
// which closes the "Dropship" hole of hash-based dedup.

import type { Db } from '../store/database.js';

export class Ownership {
  private readonly ownsStmt;
  private readonly addStmt;
  private readonly touchStmt;

  constructor(db: Db) {
    this.ownsStmt = db.prepare('SELECT 1 FROM block_owners WHERE namespace_id = ? AND hash = ?').pluck();
    this.addStmt = db.prepare('INSERT OR IGNORE INTO block_owners (namespace_id, hash, owned_at) VALUES (?, ?, ?)');
    this.touchStmt = db.prepare('UPDATE block_owners SET owned_at = ? WHERE namespace_id = ? AND hash = ?');
  }

  owns(namespaceId: number, hash: string): boolean {
    return this.ownsStmt.get(namespaceId, hash) !== undefined;
  }

  /** The hashes (deduplicated, in first-seen order) that `namespaceId` does not own. */
  missing(namespaceId: number, hashes: Iterable<string>): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const hash of hashes) {
      if (seen.has(hash)) continue;
      seen.add(hash);
      if (!this.owns(namespaceId, hash)) out.push(hash);
    }
    return out;
  }

  /**
   * Records ownership after a verified upload, and when it was (an upload's blocks are kept
   * while its commit may still come: docs/hybrid-storage.md "Retention"); returns how many were
   * new. Call inside a transaction for many.
   */
  add(namespaceId: number, hashes: Iterable<string>): number {
    let added = 0;
    const now = Date.now();
    for (const hash of hashes) {
      const fresh = this.addStmt.run(namespaceId, hash, now).changes;
      if (fresh === 0) this.touchStmt.run(now, namespaceId, hash);
      added += fresh;
    }
    return added;
  }
}
