// The tier index in PostgreSQL (tiers/tier-store.ts): the statements of the SQLite
// TierIndex (tiers/tier-index.ts) in PostgreSQL's dialect, answering the same values in the
// same order. Where SQLite's order follows from its table scan (the primary key), the query
// says so; sums are cast back to BIGINT (PostgreSQL sums BIGINT as NUMERIC); NULLs sort first
// as in SQLite.

import type pg from 'pg';
import type { BlockTier } from '../../shared/common/tier-stats.js';
import type { TierCounts } from '../tiers/tier-cost.js';
import { namespaceTierCounts, serverTierCounts, usesOf, type BlockRow, type S3Location } from '../tiers/tier-index.js';
import type { TierStore } from '../tiers/tier-store.js';

/** A pool or one transaction's client. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

const BLOCK_ROW = 'SELECT hash, size, tier, pack, pack_offset AS "offset" FROM blocks';
const S3_LOCATION = 'SELECT hash, size, pack, pack_offset AS "offset" FROM s3_objects';
/** The newest entry of its path: what a live file is. */
const NEWEST = 'j.id = (SELECT MAX(id) FROM journal k WHERE k.namespace_id = j.namespace_id AND k.path = j.path)';

export function tiersOver(db: Queryable): TierStore {
  const rows = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows;
  const one = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await rows<T>(sql, params))[0];
  const changed = async (sql: string, params: unknown[]) => ((await db.query(sql, params)).rowCount ?? 0) > 0;
  const exists = async (sql: string, params: unknown[]) => (await rows(sql, params)).length > 0;
  const cursorOf = async (table: string) => (await one<{ cursor: string }>(`SELECT cursor FROM ${table} WHERE id = 1`))?.cursor ?? '';
  const setCursor = async (table: string, cursor: string) => {
    await db.query(`INSERT INTO ${table} (id, cursor) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor`, [cursor]);
  };

  const tiers: TierStore = {
    async block(hash) {
      return (await one<BlockRow>(`${BLOCK_ROW} WHERE hash = $1`, [hash])) ?? null;
    },
    async placementOf(namespaceId) {
      const row = await one<{ placement: BlockTier }>('SELECT placement FROM namespaces WHERE id = $1', [namespaceId]);
      return row?.placement === 's3' ? 's3' : 'inhouse';
    },
    setPlacement: (user, placement) =>
      changed('UPDATE namespaces SET placement = $1 WHERE id = (SELECT namespace_id FROM users WHERE name = $2)', [placement, user]),
    inS3: (hash) => exists('SELECT 1 FROM s3_objects WHERE hash = $1', [hash]),
    async s3Location(hash) {
      return (await one<S3Location>(`${S3_LOCATION} WHERE hash = $1`, [hash])) ?? null;
    },
    async recordS3(hash, size, pack = null, offset = null) {
      const now = Date.now();
      await db.query(
        "INSERT INTO blocks (hash, size, tier, pack, pack_offset, created_at) VALUES ($1, $2, 's3', NULL, NULL, $3) ON CONFLICT (hash) DO NOTHING",
        [hash, size, now],
      );
      await db.query(
        `INSERT INTO s3_objects (hash, size, sweep_after, created_at, pack, pack_offset) VALUES ($1, $2, NULL, $3, $4, $5)
         ON CONFLICT (hash) DO UPDATE SET sweep_after = NULL`,
        [hash, size, now, pack, offset],
      );
    },
    reviveS3: (hash) => changed('UPDATE s3_objects SET sweep_after = NULL WHERE hash = $1', [hash]),
    async recordPack(id, size, blocks) {
      await db.query('INSERT INTO s3_packs (id, size, blocks, created_at) VALUES ($1, $2, $3, $4)', [id, size, blocks, Date.now()]);
    },
    async emptyPacks(limit) {
      const found = await rows<{ id: string }>(
        'SELECT id FROM s3_packs p WHERE NOT EXISTS (SELECT 1 FROM s3_objects o WHERE o.pack = p.id) ORDER BY id LIMIT $1',
        [limit],
      );
      return found.map((r) => r.id);
    },
    async forgetPack(id) {
      await db.query('DELETE FROM s3_packs WHERE id = $1', [id]);
    },
    async packsAfter(cursor, limit) {
      const packs = await rows<{ id: string; size: number }>('SELECT id, size FROM s3_packs WHERE id > $1 ORDER BY id LIMIT $2', [cursor, limit]);
      const out: { id: string; size: number; blocks: S3Location[] }[] = [];
      for (const p of packs) out.push({ ...p, blocks: await rows<S3Location>(`${S3_LOCATION} WHERE pack = $1 ORDER BY pack_offset`, [p.id]) });
      return out;
    },
    s3ObjectsAfter: (cursor, limit) =>
      rows<S3Location>(`${S3_LOCATION} WHERE pack IS NULL AND sweep_after IS NULL AND hash > $1 ORDER BY hash LIMIT $2`, [cursor, limit]),
    objectScrubCursor: () => cursorOf('s3_object_scrub_state'),
    setObjectScrubCursor: (cursor) => setCursor('s3_object_scrub_state', cursor),
    async recordInhouse(hash, size) {
      await db.query(
        "INSERT INTO blocks (hash, size, tier, pack, pack_offset, created_at) VALUES ($1, $2, 'inhouse', NULL, NULL, $3) ON CONFLICT (hash) DO NOTHING",
        [hash, size, Date.now()],
      );
      if ((await tiers.block(hash))?.tier === 's3') await tiers.switchToInhouse(hash);
    },
    async switchToInhouse(hash) {
      await db.query("UPDATE blocks SET tier = 'inhouse', pack = NULL, pack_offset = NULL WHERE hash = $1", [hash]);
    },
    async switchToS3(hash) {
      await db.query("UPDATE blocks SET tier = 's3' WHERE hash = $1", [hash]);
    },
    residentInS3: (hash) =>
      exists("SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id WHERE o.hash = $1 AND n.placement = 's3'", [hash]),
    repatriationCandidates: (limit) =>
      rows<S3Location>(
        `SELECT b.hash, b.size, s.pack, s.pack_offset AS "offset" FROM blocks b LEFT JOIN s3_objects s ON s.hash = b.hash
         WHERE b.tier = 's3' AND EXISTS (
           SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id
           WHERE o.hash = b.hash AND n.placement = 'inhouse') ORDER BY s.pack NULLS FIRST, s.pack_offset NULLS FIRST, b.hash LIMIT $1`,
        [limit],
      ),
    async spareS3Copies(limit) {
      const found = await rows<{ hash: string }>(
        `SELECT s.hash FROM s3_objects s JOIN blocks b ON b.hash = s.hash
         WHERE s.sweep_after IS NULL AND b.tier = 'inhouse' AND NOT EXISTS (
           SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id WHERE o.hash = s.hash AND n.placement = 's3')
         ORDER BY s.hash LIMIT $1`,
        [limit],
      );
      return found.map((r) => r.hash);
    },
    async markForSweep(hash, after) {
      await db.query('UPDATE s3_objects SET sweep_after = $1 WHERE hash = $2', [after, hash]);
    },
    sweepDue: (now, limit) =>
      rows<S3Location>(`${S3_LOCATION} WHERE sweep_after IS NOT NULL AND sweep_after <= $1 ORDER BY hash LIMIT $2`, [now, limit]),
    async forgetS3(hash) {
      await db.query('DELETE FROM s3_objects WHERE hash = $1', [hash]);
    },
    async markCorrupt(hash, tier, detail) {
      await db.query(
        `INSERT INTO corrupt_blocks (hash, tier, detail, found_at, healed_at) VALUES ($1, $2, $3, $4, NULL)
         ON CONFLICT (hash) DO UPDATE SET tier = excluded.tier, detail = excluded.detail, found_at = excluded.found_at, healed_at = NULL`,
        [hash, tier, detail, Date.now()],
      );
    },
    markHealed: (hash) => changed('UPDATE corrupt_blocks SET healed_at = $1 WHERE hash = $2 AND healed_at IS NULL', [Date.now(), hash]),
    async wanted(namespaceId, limit) {
      const found = await rows<{ hash: string }>(
        `SELECT c.hash FROM corrupt_blocks c JOIN block_owners o ON o.hash = c.hash AND o.namespace_id = $1
          WHERE c.healed_at IS NULL ORDER BY c.found_at, c.hash LIMIT $2`,
        [namespaceId, limit],
      );
      return found.map((r) => r.hash);
    },
    async wantedCount(namespaceId) {
      const row = await one<{ n: number }>(
        'SELECT COUNT(*) AS n FROM corrupt_blocks c JOIN block_owners o ON o.hash = c.hash AND o.namespace_id = $1 WHERE c.healed_at IS NULL',
        [namespaceId],
      );
      return row.n;
    },
    async healedBy(hashes) {
      // Uploads are many and corruption rare: one look at the table usually ends it.
      if (!(await exists('SELECT 1 FROM corrupt_blocks WHERE healed_at IS NULL LIMIT 1', []))) return 0;
      const { rowCount } = await db.query('UPDATE corrupt_blocks SET healed_at = $1 WHERE hash = ANY($2) AND healed_at IS NULL', [
        Date.now(),
        [...new Set(hashes)],
      ]);
      return rowCount ?? 0;
    },
    corrupt: () =>
      rows<{ hash: string; tier: BlockTier; detail: string; foundAt: number }>(
        'SELECT hash, tier, detail, found_at AS "foundAt" FROM corrupt_blocks WHERE healed_at IS NULL ORDER BY found_at, hash',
      ),
    inhouseAfter: (cursor, limit) => rows<BlockRow>(`${BLOCK_ROW} WHERE tier = 'inhouse' AND hash > $1 ORDER BY hash LIMIT $2`, [cursor, limit]),
    packScrubCursor: () => cursorOf('s3_scrub_state'),
    setPackScrubCursor: (cursor) => setCursor('s3_scrub_state', cursor),
    async relocateS3(hash) {
      await db.query('UPDATE s3_objects SET pack = NULL, pack_offset = NULL WHERE hash = $1', [hash]);
    },
    scrubCursor: () => cursorOf('scrub_state'),
    setScrubCursor: (cursor) => setCursor('scrub_state', cursor),
    async filesUsing(hash, limit = 20) {
      const found = await rows<{ namespace: string; path: string; blocks: string }>(
        `SELECT n.name AS namespace, j.path AS path, j.blocks AS blocks FROM journal j JOIN namespaces n ON n.id = j.namespace_id
         WHERE j.deleted = 0 AND strpos(j.blocks, $1) > 0 AND ${NEWEST} ORDER BY j.namespace_id, j.id`,
        [hash],
      );
      return usesOf(found, hash, limit);
    },
    async namespaceCounts(namespaceId) {
      const q = <T extends pg.QueryResultRow>(sql: string) => one<T>(sql, [namespaceId]);
      const owned = 'JOIN block_owners o ON o.hash = b.hash AND o.namespace_id = $1';
      const inhouse = await q<{ blocks: number; bytes: number }>(
        `SELECT COUNT(*) AS blocks, COALESCE(SUM(b.size), 0)::bigint AS bytes FROM blocks b ${owned} WHERE b.tier = 'inhouse'`,
      );
      const s3own = await q<{ blocks: number; bytes: number; packed: number; packedBytes: number; packs: number }>(
        `SELECT COUNT(*) AS blocks, COALESCE(SUM(s.size), 0)::bigint AS bytes,
                COALESCE(SUM(CASE WHEN s.pack IS NOT NULL THEN 1 ELSE 0 END), 0)::bigint AS packed,
                COALESCE(SUM(CASE WHEN s.pack IS NOT NULL THEN s.size ELSE 0 END), 0)::bigint AS "packedBytes",
                COUNT(DISTINCT s.pack) AS packs
           FROM s3_objects s JOIN block_owners o ON o.hash = s.hash AND o.namespace_id = $1`,
      );
      const unique = await q<{ bytes: number }>(`SELECT COALESCE(SUM(b.size), 0)::bigint AS bytes FROM blocks b ${owned}`);
      const logical = await q<{ bytes: number }>(
        `SELECT COALESCE(SUM(j.size), 0)::bigint AS bytes FROM journal j WHERE j.namespace_id = $1 AND j.deleted = 0 AND ${NEWEST}`,
      );
      const pending = await q<{ n: number }>(
        `SELECT COUNT(*) AS n FROM blocks b ${owned} JOIN namespaces n ON n.id = o.namespace_id WHERE b.tier = 's3' AND n.placement = 'inhouse'`,
      );
      const corrupt = await q<{ n: number }>(
        'SELECT COUNT(*) AS n FROM corrupt_blocks c JOIN block_owners o ON o.hash = c.hash AND o.namespace_id = $1 WHERE c.healed_at IS NULL',
      );
      return namespaceTierCounts({ inhouse, s3own, unique, logical, pending, corrupt });
    },
    async ownsWholePack(pack, namespaceId) {
      const row = await one<{ written: number; owned: number }>(
        `SELECT p.blocks AS written, (SELECT COUNT(*) FROM s3_objects s JOIN block_owners o ON o.hash = s.hash AND o.namespace_id = $1 WHERE s.pack = p.id) AS owned
           FROM s3_packs p WHERE p.id = $2`,
        [namespaceId, pack],
      );
      return row !== undefined && row.owned === row.written;
    },
    async counts(): Promise<TierCounts> {
      const inhouse = await one<{ blocks: number; bytes: number }>(
        "SELECT COUNT(*) AS blocks, COALESCE(SUM(size), 0)::bigint AS bytes FROM blocks WHERE tier = 'inhouse'",
      );
      const whole = await one<{ blocks: number; bytes: number }>(
        'SELECT COUNT(*) AS blocks, COALESCE(SUM(size), 0)::bigint AS bytes FROM s3_objects WHERE pack IS NULL',
      );
      const inPacks = await one<{ blocks: number }>('SELECT COUNT(*) AS blocks FROM s3_objects WHERE pack IS NOT NULL');
      const packs = await one<{ packs: number; bytes: number }>('SELECT COUNT(*) AS packs, COALESCE(SUM(size), 0)::bigint AS bytes FROM s3_packs');
      const unique = await one<{ bytes: number }>('SELECT COALESCE(SUM(size), 0)::bigint AS bytes FROM blocks');
      const logical = await one<{ bytes: number }>(`SELECT COALESCE(SUM(j.size), 0)::bigint AS bytes FROM journal j WHERE j.deleted = 0 AND ${NEWEST}`);
      const pending = await one<{ n: number }>(
        `SELECT COUNT(*) AS n FROM blocks b WHERE b.tier = 's3' AND EXISTS (
           SELECT 1 FROM block_owners o JOIN namespaces n ON n.id = o.namespace_id WHERE o.hash = b.hash AND n.placement = 'inhouse')`,
      );
      const corrupt = await one<{ n: number }>('SELECT COUNT(*) AS n FROM corrupt_blocks WHERE healed_at IS NULL');
      return serverTierCounts({ inhouse, whole, inPacks, packs, unique, logical, pending, corrupt });
    },
  };
  return tiers;
}
