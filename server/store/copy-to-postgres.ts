// `hsync server copy --data DIR --db URL`: moves a SQLite server's metadata into an empty
// PostgreSQL database, table by table and column by column (the two schemas hold the same
// data model: postgres-schema.ts), in one PostgreSQL transaction, then checks that every
// table holds as many rows as it did in SQLite. Blocks stay where they are (the data dir,
// the block service or the S3 tiers): the server then runs with `--data DIR --db URL`.

import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import pg from 'pg';
import { SyncError } from '../../shared/common/errors.js';
import { migrate } from './postgres-schema.js';
import { inTransaction } from './postgres-store.js';
import { nativeSqlite } from './sqlite-driver.js';

/** Every table, parents before the tables that refer to them. */
export const COPIED_TABLES = [
  'settings',
  'namespaces',
  'users',
  'tokens',
  'blocks',
  'block_owners',
  'journal',
  's3_objects',
  's3_packs',
  's3_scrub_state',
  's3_object_scrub_state',
  'corrupt_blocks',
  'scrub_state',
] as const;

/** Tables whose ids PostgreSQL hands out itself: their sequences continue after the copied ids. */
const SERIAL_TABLES = ['namespaces', 'users'];
/** The tables that must be empty in the target: copying over existing metadata could lose it. */
const MUST_BE_EMPTY = ['namespaces', 'users', 'journal', 'blocks'];
const BATCH = 500;

export async function copyToPostgres(dataDir: string, url: string): Promise<Map<string, number>> {
  const Sqlite = nativeSqlite();
  const sqlite = new Sqlite(join(dataDir, 'server.db'), { readonly: true, fileMustExist: true });
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
    return await inTransaction(pool, (client) => copyTables(sqlite, client));
  } finally {
    await pool.end();
    sqlite.close();
  }
}

async function copyTables(sqlite: Database, client: pg.PoolClient): Promise<Map<string, number>> {
  for (const table of MUST_BE_EMPTY) {
    if ((await client.query(`SELECT 1 FROM ${table} LIMIT 1`)).rowCount) {
      throw new SyncError('bad_request', `copy metadata: the database already holds ${table}; copy only into a new, empty database`);
    }
  }
  // One read transaction: the copy is of one moment of the SQLite database.
  sqlite.prepare('BEGIN').run();
  const copied = new Map<string, number>();
  try {
    for (const table of COPIED_TABLES) {
      if (!sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table)) continue;
      const columns = (sqlite.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]).map((c) => `"${c}"`);
      // The server id stays, so clients see the same server; a value the target made at its first start gives way.
      const conflict = table === 'settings' ? ' ON CONFLICT (key) DO UPDATE SET value = excluded.value' : '';
      let rows = 0;
      let batch: unknown[][] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const params = batch.flat();
        const values = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
        await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}${conflict}`, params);
        rows += batch.length;
        batch = [];
      };
      for (const row of sqlite.prepare(`SELECT ${columns.join(', ')} FROM ${table}`).raw().iterate() as Iterable<unknown[]>) {
        batch.push(row);
        if (batch.length === BATCH) await flush();
      }
      await flush();
      copied.set(table, rows);
    }
  } finally {
    sqlite.prepare('COMMIT').run();
  }
  for (const table of SERIAL_TABLES) {
    await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), COALESCE((SELECT MAX(id) FROM ${table}), 0) + 1, false)`);
  }
  for (const [table, rows] of copied) {
    const { rows: found } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`);
    if (Number(found[0].n) !== rows) throw new Error(`copy metadata: ${table} has ${found[0].n} rows in PostgreSQL after copying ${rows}`);
  }
  return copied;
}
