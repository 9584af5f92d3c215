// Where each stored block lives (loose file or pack, and its tier). Storage is global:
// one copy per hash whoever uploaded it. Who may use a block is meta/ownership.ts's job.

import type { Db } from '../store/database.js';
import type { BlockLocation } from './block-files.js';

export interface NewBlock {
  hash: string;
  size: number;
  pack: string | null;
  offset: number | null;
}

export class BlockIndex {
  private readonly findStmt;
  private readonly placeStmt;

  constructor(private readonly db: Db) {
    this.findStmt = db.prepare('SELECT size, pack, pack_offset AS offset FROM blocks WHERE hash = ?');
    this.placeStmt = db.prepare(
      `INSERT INTO blocks (hash, size, tier, pack, pack_offset, created_at) VALUES (?, ?, 'inhouse', ?, ?, ?)
       ON CONFLICT(hash) DO UPDATE SET size = excluded.size, tier = 'inhouse', pack = excluded.pack, pack_offset = excluded.pack_offset`,
    );
  }

  /** Where `hash` is stored, or null when no namespace has uploaded it. */
  find(hash: string): BlockLocation | null {
    return (this.findStmt.get(hash) as BlockLocation | undefined) ?? null;
  }

  /**
   * Records where blocks whose bytes were just verified and written now live. The newest
   * upload is the block's place, whether or not the block was stored before: its bytes
   * hash to the name, so a good earlier copy loses nothing and a bad or missing one is
   * healed (the earlier copy's bytes stay where they were, unreferenced). The bytes are on
   * this disk, so reads go in-house. Call inside a transaction for many.
   */
  place(blocks: readonly NewBlock[]): void {
    const now = Date.now();
    for (const b of blocks) this.placeStmt.run(b.hash, b.size, b.pack, b.offset, now);
  }

  /** Sizes of the given hashes that are stored (absent ones are left out). */
  sizes(hashes: Iterable<string>): Map<string, number> {
    const out = new Map<string, number>();
    for (const hash of hashes) {
      const row = this.findStmt.get(hash) as BlockLocation | undefined;
      if (row) out.set(hash, row.size);
    }
    return out;
  }

  /** Bytes and block count stored per tier. */
  totals(): { tier: string; blocks: number; bytes: number }[] {
    return this.db.prepare('SELECT tier, COUNT(*) AS blocks, COALESCE(SUM(size), 0) AS bytes FROM blocks GROUP BY tier').all() as {
      tier: string;
      blocks: number;
      bytes: number;
    }[];
  }
}
