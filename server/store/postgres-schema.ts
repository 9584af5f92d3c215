// The PostgreSQL schema, as numbered migrations applied in order at start and by
// `hsync server migrate`. The tables are those of the SQLite database (database.ts and
// tiers/tier-index.ts), column for column: one data model on both. A migration, once
// released, never changes; a new one is appended.

import type pg from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, journals, blocks, ownership, tiers',
    sql: `
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE namespaces (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  placement TEXT NOT NULL DEFAULT 'inhouse',
  head BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  namespace_id BIGINT NOT NULL REFERENCES namespaces(id),
  created_at BIGINT NOT NULL
);
CREATE TABLE tokens (
  hash BYTEA PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE TABLE blocks (
  hash TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  tier TEXT NOT NULL DEFAULT 'inhouse',
  pack TEXT,
  pack_offset BIGINT,
  created_at BIGINT NOT NULL
);
CREATE TABLE block_owners (
  namespace_id BIGINT NOT NULL REFERENCES namespaces(id),
  hash TEXT NOT NULL,
  PRIMARY KEY (namespace_id, hash)
);
CREATE TABLE journal (
  namespace_id BIGINT NOT NULL REFERENCES namespaces(id),
  id BIGINT NOT NULL,
  path TEXT NOT NULL,
  file_id TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  size BIGINT NOT NULL,
  mtime BIGINT NOT NULL,
  content_hash TEXT,
  blocks TEXT NOT NULL,
  device TEXT NOT NULL,
  committed_at BIGINT NOT NULL,
  PRIMARY KEY (namespace_id, id)
);
CREATE INDEX journal_by_path ON journal (namespace_id, path, id);
CREATE TABLE s3_objects (
  hash TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  sweep_after BIGINT,
  created_at BIGINT NOT NULL,
  pack TEXT,
  pack_offset BIGINT
);
CREATE INDEX s3_objects_by_pack ON s3_objects (pack) WHERE pack IS NOT NULL;
CREATE TABLE s3_packs (
  id TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  blocks BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE s3_scrub_state (id INTEGER PRIMARY KEY CHECK (id = 1), cursor TEXT NOT NULL);
CREATE TABLE s3_object_scrub_state (id INTEGER PRIMARY KEY CHECK (id = 1), cursor TEXT NOT NULL);
CREATE TABLE corrupt_blocks (
  hash TEXT PRIMARY KEY,
  tier TEXT NOT NULL,
  detail TEXT NOT NULL,
  found_at BIGINT NOT NULL,
  healed_at BIGINT
);
CREATE TABLE scrub_state (id INTEGER PRIMARY KEY CHECK (id = 1), cursor TEXT NOT NULL);
`,
  },
  {
    version: 2,
    name: 'ownership times for retention; tier walks in byte order',
    // owned_at as in SQLite's block_owners (meta/retention.ts). The scrub and sweep walk
    // hashes and pack ids after a cursor, and '~' means "past every one": that holds in
    // byte order (SQLite's), not in every locale's, so these columns compare as bytes.
    sql: `
ALTER TABLE block_owners ADD COLUMN owned_at BIGINT;
ALTER TABLE blocks ALTER COLUMN hash TYPE TEXT COLLATE "C";
ALTER TABLE block_owners ALTER COLUMN hash TYPE TEXT COLLATE "C";
ALTER TABLE s3_objects ALTER COLUMN hash TYPE TEXT COLLATE "C", ALTER COLUMN pack TYPE TEXT COLLATE "C";
ALTER TABLE s3_packs ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE corrupt_blocks ALTER COLUMN hash TYPE TEXT COLLATE "C";
`,
  },
  {
    version: 3,
    name: 'journal notifications',
    // Every process sharing the database hears of a commit (MetaStore.listen): one
    // notification per namespace and transaction (PostgreSQL folds repeats), sent at COMMIT.
    sql: `
CREATE FUNCTION hsync_journal_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hsync_journal', NEW.namespace_id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER journal_notify AFTER INSERT ON journal FOR EACH ROW EXECUTE FUNCTION hsync_journal_notify();
`,
  },
];

/** Any fixed number: the advisory lock that lets one process at a time migrate. */
const MIGRATION_LOCK = 0x68737963;

/**
 * Applies the migrations the database lacks, each in its own transaction with its row in
 * schema_migrations; several servers starting at once take turns. Returns the versions applied.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`schema migration ${m.version} (${m.name}): ${(error as Error).message}`);
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
