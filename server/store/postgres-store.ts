// The metadata store in PostgreSQL (`hsync server --db postgres://…`): the same tables as
// SQLite (postgres-schema.ts), reached through a connection pool. Commits to one namespace
// are decided one at a time by the namespace row's lock (MetaTx.lockNamespace), so several
// server processes may share the database.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { JournalEntry } from '../../shared/common/protocol.js';
import type { NewBlock } from '../blocks/block-index.js';
import type { StoredBlock } from '../blocks/get-blocks.js';
import { toEntry, type JournalRow, type NewEntry } from '../meta/journal.js';
import { CALLER_SQL, callerOfRow, checkUserName, nameTaken, newToken, tokenHash, type Caller } from './accounts.js';
import type { MetaReads, MetaStore, MetaTx } from './meta-store.js';
import { listenForCommits, type CommitListener } from './postgres-listen.js';
import { migrate, MIGRATIONS } from './postgres-schema.js';
import { tiersOver, type Queryable } from './postgres-tiers.js';

/** Any fixed number: the transaction lock that orders the S3 sweep and uploads' records (MetaTx.lockS3Objects). */
const S3_OBJECTS_LOCK = 0x68733373;
/** Any fixed number: the class of the advisory locks that let one process at a time run a background job. */
const JOB_LOCKS = 0x68736a62;

const INT8 = 20;
// Ids, sizes and times are BIGINT; every value the server stores fits a double exactly
// (ids and sizes are safe integers, times are milliseconds).
export const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

const STORED = 'SELECT b.hash, b.size, b.tier, b.pack, b.pack_offset AS "offset" FROM blocks b';

/** The first-seen distinct values of `items`. */
const distinct = (items: readonly string[]) => [...new Set(items)];

function readsOver(db: Queryable): MetaReads {
  const rows = async <T extends pg.QueryResultRow>(sql: string, params: unknown[]) => (await db.query<T>(sql, params)).rows;
  const entries = async (sql: string, params: unknown[]) => (await rows<JournalRow>(sql, params)).map(toEntry);
  const one = async (sql: string, params: unknown[]) => (await entries(sql, params))[0] ?? null;
  return {
    async head(namespaceId) {
      return (await rows<{ head: number }>('SELECT head FROM namespaces WHERE id = $1', [namespaceId]))[0]?.head ?? 0;
    },
    latest: (namespaceId, path) => one('SELECT * FROM journal WHERE namespace_id = $1 AND path = $2 ORDER BY id DESC LIMIT 1', [namespaceId, path]),
    list: (namespaceId, cursor, limit) => entries('SELECT * FROM journal WHERE namespace_id = $1 AND id > $2 ORDER BY id LIMIT $3', [namespaceId, cursor, limit]),
    revisions: (namespaceId, path, before, limit) =>
      entries('SELECT * FROM journal WHERE namespace_id = $1 AND path = $2 AND id < $3 ORDER BY id DESC LIMIT $4', [
        namespaceId,
        path,
        before,
        limit < 0 ? null : limit,
      ]),
    entry: (namespaceId, rev) => one('SELECT * FROM journal WHERE namespace_id = $1 AND id = $2', [namespaceId, rev]),
    async missing(namespaceId, hashes) {
      const wanted = distinct(hashes);
      const owned = await rows<{ hash: string }>('SELECT hash FROM block_owners WHERE namespace_id = $1 AND hash = ANY($2)', [namespaceId, wanted]);
      const have = new Set(owned.map((r) => r.hash));
      return wanted.filter((h) => !have.has(h));
    },
    async owns(namespaceId, hash) {
      return (await rows('SELECT 1 FROM block_owners WHERE namespace_id = $1 AND hash = $2', [namespaceId, hash])).length > 0;
    },
    async ownedBlocks(namespaceId, hashes) {
      const found = await rows<StoredBlock & { hash: string }>(
        `${STORED} JOIN block_owners o ON o.hash = b.hash AND o.namespace_id = $1 WHERE b.hash = ANY($2)`,
        [namespaceId, distinct(hashes)],
      );
      return inOrder(hashes, found, ({ size, tier, pack, offset }) => ({ size, tier, pack, offset }));
    },
    async findBlock(hash) {
      const row = (await rows<StoredBlock & { hash: string }>(`${STORED} WHERE b.hash = $1`, [hash]))[0];
      return row ? { size: row.size, tier: row.tier, pack: row.pack, offset: row.offset } : null;
    },
    async blockSizes(hashes) {
      const found = await rows<{ hash: string; size: number }>('SELECT hash, size FROM blocks WHERE hash = ANY($1)', [distinct(hashes)]);
      return inOrder(hashes, found, (r) => r.size);
    },
  };
}

/** `found` keyed by hash in the order of `hashes` (as the SQLite store answers). */
function inOrder<R extends { hash: string }, V>(hashes: readonly string[], found: R[], value: (row: R) => V): Map<string, V> {
  const byHash = new Map(found.map((r) => [r.hash, r]));
  const out = new Map<string, V>();
  for (const hash of hashes) {
    const row = byHash.get(hash);
    if (row && !out.has(hash)) out.set(hash, value(row));
  }
  return out;
}

function txOver(client: pg.PoolClient): MetaTx {
  return {
    ...readsOver(client),
    async lockNamespace(namespaceId) {
      await client.query('SELECT 1 FROM namespaces WHERE id = $1 FOR UPDATE', [namespaceId]);
    },
    async append(namespaceId, entry: NewEntry): Promise<JournalEntry> {
      const { rows } = await client.query<{ head: number }>('UPDATE namespaces SET head = head + 1 WHERE id = $1 RETURNING head', [namespaceId]);
      const id = rows[0].head;
      const committedAt = Date.now();
      await client.query(
        `INSERT INTO journal (namespace_id, id, path, file_id, deleted, size, mtime, content_hash, blocks, device, committed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [namespaceId, id, entry.path, entry.fileId, entry.deleted ? 1 : 0, entry.size, entry.mtime, entry.contentHash, entry.blocks.join(''), entry.device, committedAt],
      );
      return { ...entry, id, rev: id, committedAt };
    },
    async addOwners(namespaceId, hashes) {
      // Sorted: two transactions that insert the same rows take their locks in one order, never a deadlock.
      // owned_at: the namespace's last verified upload, new row or not (meta/ownership.ts); xmax = 0 marks a new row.
      const sorted = distinct(hashes).sort();
      const { rows } = await client.query<{ fresh: boolean }>(
        `INSERT INTO block_owners (namespace_id, hash, owned_at) SELECT $1, h, $3 FROM unnest($2::text[]) AS h
         ON CONFLICT (namespace_id, hash) DO UPDATE SET owned_at = excluded.owned_at RETURNING (xmax = 0) AS fresh`,
        [namespaceId, sorted, Date.now()],
      );
      return rows.filter((r) => r.fresh).length;
    },
    async placeBlocks(blocks: readonly NewBlock[]) {
      const now = Date.now();
      // The last record of a hash wins, as in the SQLite store; sorted for the same reason as addOwners.
      const last = [...new Map(blocks.map((b) => [b.hash, b])).values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
      for (const b of last) {
        await client.query(
          `INSERT INTO blocks (hash, size, tier, pack, pack_offset, created_at) VALUES ($1, $2, 'inhouse', $3, $4, $5)
           ON CONFLICT (hash) DO UPDATE SET size = excluded.size, tier = 'inhouse', pack = excluded.pack, pack_offset = excluded.pack_offset`,
          [b.hash, b.size, b.pack, b.offset, now],
        );
      }
    },
    async lockS3Objects() {
      await client.query('SELECT pg_advisory_xact_lock($1)', [S3_OBJECTS_LOCK]);
    },
    tiers: tiersOver(client),
  };
}

/** Rethrows `error` naming the database (its password hidden). */
const inContext =
  (url: string) =>
  (error: unknown): never => {
    throw new Error(`database ${url.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message}`);
  };

function openPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, types, max: 10 });
  // An idle connection the server drops (a restart of PostgreSQL) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Applies the migrations the database at `url` lacks (`hsync server migrate`). */
export async function migratePostgres(url: string): Promise<{ applied: number[]; version: number }> {
  const pool = openPool(url);
  try {
    return { applied: await migrate(pool).catch(inContext(url)), version: MIGRATIONS.at(-1)!.version };
  } finally {
    await pool.end();
  }
}

/** Opens the database at `url` (postgres://USER@HOST:PORT/DB), applying pending migrations. */
export async function openPostgresStore(url: string): Promise<MetaStore> {
  const pool = openPool(url);
  try {
    await migrate(pool);
    await pool.query("INSERT INTO settings (key, value) VALUES ('server_id', $1) ON CONFLICT (key) DO NOTHING", [randomUUID()]);
  } catch (error) {
    await pool.end();
    inContext(url)(error);
  }

  const transaction = <T>(body: (tx: MetaTx) => Promise<T>) => inTransaction(pool, (client) => body(txOver(client)));
  const listeners: CommitListener[] = [];

  return {
    ...readsOver(pool),
    async serverId() {
      return (await pool.query<{ value: string }>("SELECT value FROM settings WHERE key = 'server_id'")).rows[0].value;
    },
    transaction,
    async createUser(name) {
      checkUserName(name);
      const token = newToken();
      const now = Date.now();
      await inTransaction(pool, async (client) => {
          // One user at a time: two `user add` of one name cannot both pass the checks.
          await client.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
          if ((await client.query('SELECT 1 FROM users WHERE name = $1', [name])).rowCount) throw nameTaken(name, 'user');
          if ((await client.query('SELECT 1 FROM namespaces WHERE name = $1', [name])).rowCount) throw nameTaken(name, 'namespace');
          const ns = await client.query<{ id: number }>('INSERT INTO namespaces (name, created_at) VALUES ($1, $2) RETURNING id', [name, now]);
          const user = await client.query<{ id: number }>('INSERT INTO users (name, namespace_id, created_at) VALUES ($1, $2, $3) RETURNING id', [
            name,
            ns.rows[0].id,
            now,
          ]);
          await client.query('INSERT INTO tokens (hash, user_id, created_at) VALUES ($1, $2, $3)', [tokenHash(token), user.rows[0].id, now]);
      });
      return token;
    },
    async authenticate(token) {
      const presented = tokenHash(token);
      const { rows } = await pool.query<Caller & { hash: Buffer }>(CALLER_SQL.replace('?', '$1'), [presented]);
      return callerOfRow(rows[0], presented);
    },
    tiers: tiersOver(pool),
    async listen(wake) {
      listeners.push(await listenForCommits({ connectionString: url }, wake).catch(inContext(url)));
    },
    async exclusive(name, body) {
      // A session lock, on a connection held for the job: it ends with the process, so a
      // server killed mid-job does not keep the job from the others.
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS got', [JOB_LOCKS, name]);
        if (!rows[0].got) return null;
        try {
          return await body();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [JOB_LOCKS, name]).catch((error: Error) => (broken = error));
        }
      } finally {
        client.release(broken);
      }
    },
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
      await pool.end();
    },
  };
}

/** Runs `body` in one transaction on one pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    // Every commit is durable: PostgreSQL flushes its WAL at COMMIT (synchronous_commit on).
    await client.query('BEGIN');
    try {
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  } finally {
    client.release();
  }
}
