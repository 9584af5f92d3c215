// Which tier holds each block, beside the block index (blocks.tier): the S3 objects the
// server knows of (with the time after which a superseded one may be deleted), the
// namespaces' placements, and the corrupt copies the scrubber or a read has found.
//
// blocks.tier is where reads go first: 'inhouse' (a loose file or pack on the in-house
// store) or 's3'. An s3_objects row means S3 holds a verified copy too; one with
// sweep_after set is no longer needed and is deleted after that time (mark, then sweep).
// Its pack/pack_offset say where: null for a whole-block object `<prefix>blocks/<hash>`,
// else a range of the pack object `<prefix>packs/<id>` (s3_packs), which many small
// blocks share. A pack object is deleted only once no s3_objects row points into it.

import type { Db } from '../store/database.js';
import type { SqliteStatement as Statement } from '../store/sqlite-driver.js';
import type { BlockTier } from '../../shared/common/tier-stats.js';
import type { TierCounts } from './tier-cost.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS s3_objects (
  hash TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  sweep_after INTEGER,                       -- ms; null while the copy is needed
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_packs (
  id TEXT PRIMARY KEY,                       -- object <prefix>packs/<id>
  size INTEGER NOT NULL,                     -- bytes of the whole object
  blocks INTEGER NOT NULL,                   -- blocks written into it (live or not)
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_scrub_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  cursor TEXT NOT NULL                       -- last pack checked; the next S3 pass starts after it
);
CREATE TABLE IF NOT EXISTS s3_object_scrub_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  cursor TEXT NOT NULL                       -- last whole-block object checked, by hash
);
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

/** Where S3 holds a block: a whole object (pack null) or a range of a pack object. */
export interface S3Location {
  hash: string;
  size: number;
  pack: string | null;
  offset: number | null;
}

export interface FileUse {
  namespace: string;
  path: string;
}

/**
 * The files among `rows` (live entries whose blocklist text contains `hash`) that really
 * use it, at most `limit`: a substring match may cross two neighbouring hashes, and a real
 * reference starts at a multiple of 64.
 */
export function usesOf(rows: { namespace: string; path: string; blocks: string }[], hash: string, limit: number): FileUse[] {
  const out: FileUse[] = [];
  for (const row of rows) {
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

type Figures = { blocks: number; bytes: number };

/** One namespace's figures (namespaceCounts) from its queries' rows, on either engine. */
export function namespaceTierCounts(rows: {
  inhouse: Figures;
  s3own: Figures & { packed: number; packedBytes: number; packs: number };
  unique: { bytes: number };
  logical: { bytes: number };
  pending: { n: number };
  corrupt: { n: number };
}): TierCounts {
  const { inhouse, s3own, unique, logical, pending, corrupt } = rows;
  return {
    tiers: { inhouse, s3: { blocks: s3own.blocks, bytes: s3own.bytes } },
    s3Packs: { packs: s3own.packs, blocks: s3own.packed, bytes: s3own.packedBytes },
    logicalBytes: logical.bytes,
    uniqueBytes: unique.bytes,
    pendingRepatriation: pending.n,
    corruptBlocks: corrupt.n,
  };
}

/** The server-wide figures (counts) from its queries' rows, on either engine. */
export function serverTierCounts(rows: {
  inhouse: Figures;
  whole: Figures;
  inPacks: { blocks: number };
  packs: { packs: number; bytes: number };
  unique: { bytes: number };
  logical: { bytes: number };
  pending: { n: number };
  corrupt: { n: number };
}): TierCounts {
  const { inhouse, whole, inPacks, packs, unique, logical, pending, corrupt } = rows;
  return {
    // S3 bytes are what the bucket holds: whole-block objects plus whole packs.
    tiers: { inhouse, s3: { blocks: whole.blocks + inPacks.blocks, bytes: whole.bytes + packs.bytes } },
    s3Packs: { packs: packs.packs, blocks: inPacks.blocks, bytes: packs.bytes },
    logicalBytes: logical.bytes,
    uniqueBytes: unique.bytes,
    pendingRepatriation: pending.n,
    corruptBlocks: corrupt.n,
  };
}

export class TierIndex {
  /** Prepared once each: a batch records thousands of blocks, and preparing costs more than running. */
  private readonly statements = new Map<string, Statement>();

  private q(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  constructor(readonly db: Db) {
    db.exec(SCHEMA);
    // Data dirs made before packs existed lack the location columns.
    const columns = new Set((db.prepare('PRAGMA table_info(s3_objects)').all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('pack')) db.exec('ALTER TABLE s3_objects ADD COLUMN pack TEXT');
    if (!columns.has('pack_offset')) db.exec('ALTER TABLE s3_objects ADD COLUMN pack_offset INTEGER');
    db.exec('CREATE INDEX IF NOT EXISTS s3_objects_by_pack ON s3_objects (pack) WHERE pack IS NOT NULL');
  }

  block(hash: string): BlockRow | null {
    return (
      (this.q('SELECT hash, size, tier, pack, pack_offset AS offset FROM blocks WHERE hash = ?').get(hash) as BlockRow | undefined) ?? null
    );
  }

  placementOf(namespaceId: number): BlockTier {
    const row = this.q('SELECT placement FROM namespaces WHERE id = ?').get(namespaceId) as { placement: BlockTier } | undefined;
    return row?.placement === 's3' ? 's3' : 'inhouse';
  }

  /** Sets the placement of user `name`'s home namespace; 'not_found' semantics via a false return. */
  setPlacement(user: string, placement: BlockTier): boolean {
    const info = this.q('UPDATE namespaces SET placement = ? WHERE id = (SELECT namespace_id FROM users WHERE name = ?)')
      .run(placement, user);
    return info.changes > 0;
  }

  /** True when S3 holds a copy (one marked for deletion counts until the sweep removes it). */
  inS3(hash: string): boolean {
    return this.q('SELECT 1 FROM s3_objects WHERE hash = ?').get(hash) !== undefined;
  }

  /** Where S3 holds `hash`, or null when it holds no copy the index knows of. */
  s3Location(hash: string): S3Location | null {
    return (
      (this.q('SELECT hash, size, pack, pack_offset AS offset FROM s3_objects WHERE hash = ?').get(hash) as S3Location | undefined) ?? null
    );
  }

  /**
   * Records a verified S3 copy (a whole object, or `pack` at `offset`) and, for a new hash,
   * the block itself with tier 's3'. A hash S3 already holds keeps its first location and
   * only becomes live again (its sweep mark is cleared).
   */
  recordS3(hash: string, size: number, pack: string | null = null, offset: number | null = null): void {
    const now = Date.now();
    this.q('INSERT OR IGNORE INTO blocks (hash, size, tier, pack, pack_offset, created_at) VALUES (?, ?, ?, NULL, NULL, ?)')
      .run(hash, size, 's3', now);
    this.q(
        'INSERT INTO s3_objects (hash, size, sweep_after, created_at, pack, pack_offset) VALUES (?, ?, NULL, ?, ?, ?) ON CONFLICT(hash) DO UPDATE SET sweep_after = NULL',
      )
      .run(hash, size, now, pack, offset);
  }

  /** A copy S3 holds becomes live again (its sweep mark cleared); false when it is no longer in the index. */
  reviveS3(hash: string): boolean {
    return this.q('UPDATE s3_objects SET sweep_after = NULL WHERE hash = ?').run(hash).changes > 0;
  }

  /** Records a pack object written to S3; call in the transaction that records its blocks. */
  recordPack(id: string, size: number, blocks: number): void {
    this.q('INSERT INTO s3_packs (id, size, blocks, created_at) VALUES (?, ?, ?, ?)').run(id, size, blocks, Date.now());
  }

  /** Packs no live or marked block points into any more: safe to delete from S3. */
  emptyPacks(limit: number): string[] {
    return this.q('SELECT id FROM s3_packs p WHERE NOT EXISTS (SELECT 1 FROM s3_objects o WHERE o.pack = p.id) LIMIT ?')
      .pluck()
      .all(limit) as string[];
  }

  forgetPack(id: string): void {
    this.q('DELETE FROM s3_packs WHERE id = ?').run(id);
  }

  /** Packs after `cursor` in id order, with the blocks S3 still holds in each: the S3 scrub's walk. */
  packsAfter(cursor: string, limit: number): { id: string; size: number; blocks: S3Location[] }[] {
    const packs = this.q('SELECT id, size FROM s3_packs WHERE id > ? ORDER BY id LIMIT ?').all(cursor, limit) as { id: string; size: number }[];
    const rows = this.q('SELECT hash, size, pack, pack_offset AS offset FROM s3_objects WHERE pack = ? ORDER BY pack_offset');
    return packs.map((p) => ({ ...p, blocks: rows.all(p.id) as S3Location[] }));
  }

  /** Live whole-block S3 objects after `cursor` in hash order: the S3 scrub's second walk. */
  s3ObjectsAfter(cursor: string, limit: number): S3Location[] {
    return this.q(
      'SELECT hash, size, pack, pack_offset AS offset FROM s3_objects WHERE pack IS NULL AND sweep_after IS NULL AND hash > ? ORDER BY hash LIMIT ?',
    ).all(cursor, limit) as S3Location[];
  }

  objectScrubCursor(): string {
    return (this.q('SELECT cursor FROM s3_object_scrub_state WHERE id = 1').pluck().get() as string | undefined) ?? '';
  }

  setObjectScrubCursor(cursor: string): void {
    this.q('INSERT INTO s3_object_scrub_state (id, cursor) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET cursor = excluded.cursor').run(cursor);
  }

  /** Records a block stored in-house as a loose file; one read from S3 until now switches over. */
  recordInhouse(hash: string, size: number): void {
    this.q("INSERT OR IGNORE INTO blocks (hash, size, tier, pack, pack_offset, created_at) VALUES (?, ?, 'inhouse', NULL, NULL, ?)").run(hash, size, Date.now());
    if (this.block(hash)?.tier === 's3') this.switchToInhouse(hash);
  }

  /** The block now lives in-house as a loose file (after repatriation or a heal). */
  switchToInhouse(hash: string): void {
    this.q("UPDATE blocks SET tier = 'inhouse', pack = NULL, pack_offset = NULL WHERE hash = ?").run(hash);
  }

  /** The block's reads go to S3 (its in-house copy is lost and S3 has a good one). */
  switchToS3(hash: string): void {
    this.q("UPDATE blocks SET tier = 's3' WHERE hash = ?").run(hash);
  }

  /** True when a namespace with placement 's3' owns the block: S3 must keep a copy. */
  residentInS3(hash: string): boolean {
    return (
      this.q("SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id WHERE o.hash = ? AND n.placement = 's3'")
        .get(hash) !== undefined
    );
  }

  /**
   * Blocks read from S3 though an in-house namespace owns them: what repatriation brings
   * home, with where S3 holds each (pack order, so one ranged read serves a pack's run).
   */
  repatriationCandidates(limit: number): S3Location[] {
    return this.q(
        `SELECT b.hash, b.size, s.pack, s.pack_offset AS offset FROM blocks b LEFT JOIN s3_objects s ON s.hash = b.hash
         WHERE b.tier = 's3' AND EXISTS (
           SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id
           WHERE o.hash = b.hash AND n.placement = 'inhouse') ORDER BY s.pack, s.pack_offset LIMIT ?`,
      )
      .all(limit) as S3Location[];
  }

  /**
   * Live S3 copies of blocks already home that no s3-placement namespace needs (say, a
   * namespace that left s3 placement): marked for the sweep like repatriated ones.
   */
  spareS3Copies(limit: number): string[] {
    return this.q(
        `SELECT s.hash FROM s3_objects s JOIN blocks b ON b.hash = s.hash
         WHERE s.sweep_after IS NULL AND b.tier = 'inhouse' AND NOT EXISTS (
           SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id WHERE o.hash = s.hash AND n.placement = 's3')
         LIMIT ?`,
      )
      .pluck()
      .all(limit) as string[];
  }

  markForSweep(hash: string, after: number): void {
    this.q('UPDATE s3_objects SET sweep_after = ? WHERE hash = ?').run(after, hash);
  }

  /** S3 copies whose grace period is over. */
  sweepDue(now: number, limit: number): S3Location[] {
    return this.q('SELECT hash, size, pack, pack_offset AS offset FROM s3_objects WHERE sweep_after IS NOT NULL AND sweep_after <= ? LIMIT ?')
      .all(now, limit) as S3Location[];
  }

  forgetS3(hash: string): void {
    this.q('DELETE FROM s3_objects WHERE hash = ?').run(hash);
  }

  markCorrupt(hash: string, tier: BlockTier, detail: string): void {
    this.q(
        'INSERT INTO corrupt_blocks (hash, tier, detail, found_at, healed_at) VALUES (?, ?, ?, ?, NULL) ON CONFLICT(hash) DO UPDATE SET tier = excluded.tier, detail = excluded.detail, found_at = excluded.found_at, healed_at = NULL',
      )
      .run(hash, tier, detail, Date.now());
  }

  /** A good copy replaced the corrupt one; false when none was recorded as corrupt. */
  markHealed(hash: string): boolean {
    return this.q('UPDATE corrupt_blocks SET healed_at = ? WHERE hash = ? AND healed_at IS NULL').run(Date.now(), hash).changes > 0;
  }

  /**
   * Blocks of namespace `namespaceId` with no good copy known (found corrupt or missing and
   * not healed since): what its devices are asked to upload again (docs/hybrid-storage.md,
   * "Healing from devices"). Only blocks the namespace owns, so it names no one else's.
   */
  wanted(namespaceId: number, limit: number): string[] {
    return this.q(
      `SELECT c.hash FROM corrupt_blocks c JOIN block_owners o ON o.hash = c.hash AND o.namespace_id = ?
        WHERE c.healed_at IS NULL ORDER BY c.found_at, c.hash LIMIT ?`,
    )
      .pluck()
      .all(namespaceId, limit) as string[];
  }

  /** How many blocks namespace `namespaceId` is asked for (see wanted). */
  wantedCount(namespaceId: number): number {
    return this.q(
      'SELECT COUNT(*) FROM corrupt_blocks c JOIN block_owners o ON o.hash = c.hash AND o.namespace_id = ? WHERE c.healed_at IS NULL',
    )
      .pluck()
      .get(namespaceId) as number;
  }

  /**
   * Good bytes of `hashes` were just stored (an upload verified them): the corrupt copies
   * they replace count as healed. Returns how many were. Uploads are many and corruption
   * rare, so one look at the table usually ends it.
   */
  healedBy(hashes: readonly string[]): number {
    if (this.q('SELECT 1 FROM corrupt_blocks WHERE healed_at IS NULL LIMIT 1').get() === undefined) return 0;
    let healed = 0;
    this.db.transaction(() => {
      for (const hash of hashes) if (this.markHealed(hash)) healed++;
    })();
    return healed;
  }

  corrupt(): { hash: string; tier: BlockTier; detail: string; foundAt: number }[] {
    return this.q('SELECT hash, tier, detail, found_at AS foundAt FROM corrupt_blocks WHERE healed_at IS NULL ORDER BY found_at')
      .all() as { hash: string; tier: BlockTier; detail: string; foundAt: number }[];
  }

  /** Blocks stored in-house after `cursor` in hash order: the scrubber's walk. */
  inhouseAfter(cursor: string, limit: number): BlockRow[] {
    return this.q("SELECT hash, size, tier, pack, pack_offset AS offset FROM blocks WHERE tier = 'inhouse' AND hash > ? ORDER BY hash LIMIT ?")
      .all(cursor, limit) as BlockRow[];
  }

  packScrubCursor(): string {
    return (this.q('SELECT cursor FROM s3_scrub_state WHERE id = 1').pluck().get() as string | undefined) ?? '';
  }

  setPackScrubCursor(cursor: string): void {
    this.q('INSERT INTO s3_scrub_state (id, cursor) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET cursor = excluded.cursor').run(cursor);
  }

  /** The S3 copy of `hash` is now a whole-block object (a corrupt packed copy was replaced). */
  relocateS3(hash: string): void {
    this.q('UPDATE s3_objects SET pack = NULL, pack_offset = NULL WHERE hash = ?').run(hash);
  }

  scrubCursor(): string {
    return (this.q('SELECT cursor FROM scrub_state WHERE id = 1').pluck().get() as string | undefined) ?? '';
  }

  setScrubCursor(cursor: string): void {
    this.q('INSERT INTO scrub_state (id, cursor) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET cursor = excluded.cursor').run(cursor);
  }

  /** Live files (latest revision, not deleted) whose blocklist holds `hash`. */
  filesUsing(hash: string, limit = 20): FileUse[] {
    const rows = this.q(
        `SELECT n.name AS namespace, j.path AS path, j.blocks AS blocks FROM journal j JOIN namespaces n ON n.id = j.namespace_id
         WHERE j.deleted = 0 AND instr(j.blocks, ?) > 0
           AND j.id = (SELECT MAX(id) FROM journal k WHERE k.namespace_id = j.namespace_id AND k.path = j.path)`,
      )
      .all(hash) as { namespace: string; path: string; blocks: string }[];
    return usesOf(rows, hash, limit);
  }

  /**
   * One namespace's share, what GET /v1/stats tells its user: only blocks it owns, its own
   * files. Server-wide figures would tell a user when another user stores a block
   * (docs/hybrid-storage.md, "Ownership"), so they stay with `hsync server stats`.
   */
  namespaceCounts(namespaceId: number): TierCounts {
    const one = <T>(sql: string) => this.q(sql).get(namespaceId) as T;
    const owned = 'JOIN block_owners o ON o.hash = b.hash AND o.namespace_id = ?';
    const inhouse = one<{ blocks: number; bytes: number }>(`SELECT COUNT(*) AS blocks, COALESCE(SUM(b.size), 0) AS bytes FROM blocks b ${owned} WHERE b.tier = 'inhouse'`);
    // Its S3 bytes are its blocks' own sizes: a pack shared with others is not its to count.
    const s3own = one<{ blocks: number; bytes: number; packed: number; packedBytes: number; packs: number }>(
      `SELECT COUNT(*) AS blocks, COALESCE(SUM(s.size), 0) AS bytes,
              COALESCE(SUM(s.pack IS NOT NULL), 0) AS packed,
              COALESCE(SUM(CASE WHEN s.pack IS NOT NULL THEN s.size ELSE 0 END), 0) AS packedBytes,
              COUNT(DISTINCT s.pack) AS packs
         FROM s3_objects s JOIN block_owners o ON o.hash = s.hash AND o.namespace_id = ?`,
    );
    const unique = one<{ bytes: number }>(`SELECT COALESCE(SUM(b.size), 0) AS bytes FROM blocks b ${owned}`);
    const logical = one<{ bytes: number }>(
      `SELECT COALESCE(SUM(j.size), 0) AS bytes FROM journal j WHERE j.namespace_id = ? AND j.deleted = 0
         AND j.id = (SELECT MAX(id) FROM journal k WHERE k.namespace_id = j.namespace_id AND k.path = j.path)`,
    );
    const pending = one<{ n: number }>(
      `SELECT COUNT(*) AS n FROM blocks b ${owned} JOIN namespaces n ON n.id = o.namespace_id WHERE b.tier = 's3' AND n.placement = 'inhouse'`,
    );
    const corrupt = one<{ n: number }>(
      `SELECT COUNT(*) AS n FROM corrupt_blocks c JOIN block_owners o ON o.hash = c.hash AND o.namespace_id = ? WHERE c.healed_at IS NULL`,
    );
    return namespaceTierCounts({ inhouse, s3own, unique, logical, pending, corrupt });
  }

  /**
   * Whether namespace `namespaceId` owns every block ever written into pack `pack`: only
   * then may it read the whole pack object through a URL (the Range header is advisory).
   * A block whose row was swept still has its bytes in the pack, so the count of blocks
   * written is what must match (docs/hybrid-storage.md, "Ownership").
   */
  ownsWholePack(pack: string, namespaceId: number): boolean {
    const row = this.q(
      `SELECT p.blocks AS written, (SELECT COUNT(*) FROM s3_objects s JOIN block_owners o ON o.hash = s.hash AND o.namespace_id = ? WHERE s.pack = p.id) AS owned
         FROM s3_packs p WHERE p.id = ?`,
    ).get(namespaceId, pack) as { written: number; owned: number } | undefined;
    return row !== undefined && row.owned === row.written;
  }

  /** The server-wide figures `hsync server stats` reports (the operator's view). */
  counts(): TierCounts {
    const one = <T>(sql: string) => this.q(sql).get() as T;
    const inhouse = one<{ blocks: number; bytes: number }>("SELECT COUNT(*) AS blocks, COALESCE(SUM(size), 0) AS bytes FROM blocks WHERE tier = 'inhouse'");
    // S3 bytes are what the bucket holds: whole-block objects plus whole packs (a pack's
    // swept ranges still cost until the last block in it goes and the pack is deleted).
    const whole = one<{ blocks: number; bytes: number }>('SELECT COUNT(*) AS blocks, COALESCE(SUM(size), 0) AS bytes FROM s3_objects WHERE pack IS NULL');
    const inPacks = one<{ blocks: number }>('SELECT COUNT(*) AS blocks FROM s3_objects WHERE pack IS NOT NULL');
    const packs = one<{ packs: number; bytes: number }>('SELECT COUNT(*) AS packs, COALESCE(SUM(size), 0) AS bytes FROM s3_packs');
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
    return serverTierCounts({ inhouse, whole, inPacks, packs, unique, logical, pending, corrupt });
  }
}
