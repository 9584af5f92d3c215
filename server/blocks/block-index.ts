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
  private readonly insertStmt;

  constructor(private readonly db: Db) {
    this.findStmt = db.prepare('SELECT size, pack, pack_offset AS offset FROM blocks WHERE hash = ?');
    this.insertStmt = db.prepare(
      'INSERT OR IGNORE INTO blocks (hash, size, pack, pack_offset, created_at) VALUES (?, ?, ?, ?, ?)',
    );
  }

  /** Where `hash` is stored, or null when no namespace has uploaded it. */
  find(hash: string): BlockLocation | null {
    return (this.findStmt.get(hash) as BlockLocation | undefined) ?? null;
  }

  /** Records stored blocks; a hash already present keeps its first location. Call inside a transaction for many. */
  add(blocks: readonly NewBlock[]): void {
    const now = Date.now();
    for (const b of blocks) this.insertStmt.run(b.hash, b.size, b.pack, b.offset, now);
  }

  /** Points a block at its loose file again (a re-upload replaced a bad packed copy). */
  relocateLoose(hash: string, size: number): void {
    this.db.prepare('UPDATE blocks SET size = ?, pack = NULL, pack_offset = NULL WHERE hash = ?').run(size, hash);
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
