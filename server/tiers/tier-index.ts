// Which tier holds each block, beside the block index (blocks.tier): the S3 objects the
// server knows of (with the time after which a superseded one may be deleted), the
// namespaces' placements, and the corrupt copies the scrubber or a read has found.
//
// blocks.tier is where reads go first: 'inhouse' (a loose file or pack on the in-house
// store) or 's3'. An s3_objects row means S3 holds a verified copy too; one with
// sweep_after set is no longer needed and is deleted after that time (mark, then sweep).

import type { Db } from '../store/database.js';
import type { BlockTier } from '../../shared/common/tier-stats.js';
import type { TierCounts } from './tier-cost.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS s3_objects (
  hash TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  sweep_after INTEGER,                       -- ms; null while the copy is needed
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS corrupt_blocks (
  hash TEXT PRIMARY KEY,
  tier TEXT NOT NULL,
  detail TEXT NOT NULL,
  found_at INTEGER NOT NULL,
  healed_at INTEGER                          -- null until a good copy replaced it
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scrub_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  cursor TEXT NOT NULL                       -- last hash checked; the next pass starts after it
);
`;

export interface BlockRow {
  hash: string;
  size: number;
  tier: BlockTier;
  pack: string | null;
  offset: number | null;
}

export interface FileUse {
  namespace: string;
  path: string;
}

export class TierIndex {
  constructor(readonly db: Db) {
    db.exec(SCHEMA);
  }

  block(hash: string): BlockRow | null {
    return (
      (this.db.prepare('SELECT hash, size, tier, pack, pack_offset AS offset FROM blocks WHERE hash = ?').get(hash) as BlockRow | undefined) ?? null
    );
  }

  placementOf(namespaceId: number): BlockTier {
    const row = this.db.prepare('SELECT placement FROM namespaces WHERE id = ?').get(namespaceId) as { placement: BlockTier } | undefined;
    return row?.placement === 's3' ? 's3' : 'inhouse';
  }

  /** Sets the placement of user `name`'s home namespace; 'not_found' semantics via a false return. */
  setPlacement(user: string, placement: BlockTier): boolean {
    const info = this.db
      .prepare('UPDATE namespaces SET placement = ? WHERE id = (SELECT namespace_id FROM users WHERE name = ?)')
      .run(placement, user);
    return info.changes > 0;
  }

  /** True when S3 holds a copy (one marked for deletion counts until the sweep removes it). */
  inS3(hash: string): boolean {
    return this.db.prepare('SELECT 1 FROM s3_objects WHERE hash = ?').get(hash) !== undefined;
  }

  /** Records a verified S3 copy and, for a new hash, the block itself with tier 's3'. */
  recordS3(hash: string, size: number): void {
    const now = Date.now();
    this.db
      .prepare('INSERT OR IGNORE INTO blocks (hash, size, tier, pack, pack_offset, created_at) VALUES (?, ?, ?, NULL, NULL, ?)')
      .run(hash, size, 's3', now);
    this.db
      .prepare('INSERT INTO s3_objects (hash, size, sweep_after, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT(hash) DO UPDATE SET sweep_after = NULL')
      .run(hash, size, now);
  }

  /** The block now lives in-house as a loose file (after repatriation or a heal). */
  switchToInhouse(hash: string): void {
    this.db.prepare("UPDATE blocks SET tier = 'inhouse', pack = NULL, pack_offset = NULL WHERE hash = ?").run(hash);
  }

  /** The block's reads go to S3 (its in-house copy is lost and S3 has a good one). */
  switchToS3(hash: string): void {
    this.db.prepare("UPDATE blocks SET tier = 's3' WHERE hash = ?").run(hash);
  }

  /** True when a namespace with placement 's3' owns the block: S3 must keep a copy. */
  residentInS3(hash: string): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id WHERE o.hash = ? AND n.placement = 's3'")
        .get(hash) !== undefined
    );
  }

  /** Blocks read from S3 though an in-house namespace owns them: what repatriation brings home. */
  repatriationCandidates(limit: number): { hash: string; size: number }[] {
    return this.db
      .prepare(
        `SELECT b.hash, b.size FROM blocks b WHERE b.tier = 's3' AND EXISTS (
           SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id
           WHERE o.hash = b.hash AND n.placement = 'inhouse') LIMIT ?`,
      )
      .all(limit) as { hash: string; size: number }[];
  }

  markForSweep(hash: string, after: number): void {
    this.db.prepare('UPDATE s3_objects SET sweep_after = ? WHERE hash = ?').run(after, hash);
  }

  /** S3 copies whose grace period is over. */
  sweepDue(now: number, limit: number): string[] {
    return this.db.prepare('SELECT hash FROM s3_objects WHERE sweep_after IS NOT NULL AND sweep_after <= ? LIMIT ?').pluck().all(now, limit) as string[];
  }

  forgetS3(hash: string): void {
    this.db.prepare('DELETE FROM s3_objects WHERE hash = ?').run(hash);
  }

  markCorrupt(hash: string, tier: BlockTier, detail: string): void {
    this.db
      .prepare(
        'INSERT INTO corrupt_blocks (hash, tier, detail, found_at, healed_at) VALUES (?, ?, ?, ?, NULL) ON CONFLICT(hash) DO UPDATE SET tier = excluded.tier, detail = excluded.detail, found_at = excluded.found_at, healed_at = NULL',
      )
      .run(hash, tier, detail, Date.now());
  }

  markHealed(hash: string): void {
    this.db.prepare('UPDATE corrupt_blocks SET healed_at = ? WHERE hash = ? AND healed_at IS NULL').run(Date.now(), hash);
  }

  corrupt(): { hash: string; tier: BlockTier; detail: string; foundAt: number }[] {
    return this.db
      .prepare('SELECT hash, tier, detail, found_at AS foundAt FROM corrupt_blocks WHERE healed_at IS NULL ORDER BY found_at')
      .all() as { hash: string; tier: BlockTier; detail: string; foundAt: number }[];
  }

  /** Blocks stored in-house after `cursor` in hash order: the scrubber's walk. */
  inhouseAfter(cursor: string, limit: number): BlockRow[] {
    return this.db
      .prepare("SELECT hash, size, tier, pack, pack_offset AS offset FROM blocks WHERE tier = 'inhouse' AND hash > ? ORDER BY hash LIMIT ?")
      .all(cursor, limit) as BlockRow[];
  }

  scrubCursor(): string {
    return (this.db.prepare('SELECT cursor FROM scrub_state WHERE id = 1').pluck().get() as string | undefined) ?? '';
  }

  setScrubCursor(cursor: string): void {
    this.db.prepare('INSERT INTO scrub_state (id, cursor) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET cursor = excluded.cursor').run(cursor);
  }

  /** Live files (latest revision, not deleted) whose blocklist holds `hash`. */
  filesUsing(hash: string, limit = 20): FileUse[] {
    const rows = this.db
      .prepare(
        `SELECT n.name AS namespace, j.path AS path, j.blocks AS blocks FROM journal j JOIN namespaces n ON n.id = j.namespace_id
         WHERE j.deleted = 0 AND instr(j.blocks, ?) > 0
           AND j.id = (SELECT MAX(id) FROM journal k WHERE k.namespace_id = j.namespace_id AND k.path = j.path)`,
      )
      .all(hash) as { namespace: string; path: string; blocks: string }[];
    const out: FileUse[] = [];
    for (const row of rows) {
      // instr may match across two neighbouring hashes; a real reference starts at a multiple of 64.
      for (let at = row.blocks.indexOf(hash); at >= 0; at = row.blocks.indexOf(hash, at + 1)) {
        if (at % 64 === 0) {
          out.push({ namespace: row.namespace, path: row.path });
          break;
        }
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The figures `hsync server stats` and GET /v1/stats report. */
  counts(): TierCounts {
    const one = <T>(sql: string) => this.db.prepare(sql).get() as T;
    const inhouse = one<{ blocks: number; bytes: number }>("SELECT COUNT(*) AS blocks, COALESCE(SUM(size), 0) AS bytes FROM blocks WHERE tier = 'inhouse'");
    const s3 = one<{ blocks: number; bytes: number }>('SELECT COUNT(*) AS blocks, COALESCE(SUM(size), 0) AS bytes FROM s3_objects');
    const unique = one<{ bytes: number }>('SELECT COALESCE(SUM(size), 0) AS bytes FROM blocks');
    const logical = one<{ bytes: number }>(
      `SELECT COALESCE(SUM(j.size), 0) AS bytes FROM journal j WHERE j.deleted = 0
         AND j.id = (SELECT MAX(id) FROM journal k WHERE k.namespace_id = j.namespace_id AND k.path = j.path)`,
    );
    const pending = one<{ n: number }>(
      `SELECT COUNT(*) AS n FROM blocks b WHERE b.tier = 's3' AND EXISTS (
         SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id WHERE o.hash = b.hash AND n.placement = 'inhouse')`,
    );
    const corrupt = one<{ n: number }>('SELECT COUNT(*) AS n FROM corrupt_blocks WHERE healed_at IS NULL');
    return {
      tiers: { inhouse, s3 },
      logicalBytes: logical.bytes,
      uniqueBytes: unique.bytes,
      pendingRepatriation: pending.n,
      corruptBlocks: corrupt.n,
    };
  }
}
