// The server's SQLite database: one file under the data dir holding accounts, the
// namespace journals and the block index. Opened once per process through one of the
// SQLite drivers (sqlite-driver.ts); both are synchronous, so every transaction is atomic
// with respect to the event loop.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { keepPrivate, makePrivateDir, makePrivateFile } from '../../shared/node/private-files.js';
import { DEFAULT_SQLITE_DRIVER, openSqlite, type SqliteDb, type SqliteDriver } from './sqlite-driver.js';

export type Db = SqliteDb;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS namespaces (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  placement TEXT NOT NULL DEFAULT 'inhouse',
  head INTEGER NOT NULL DEFAULT 0,           -- last journal id handed out in this namespace
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  namespace_id INTEGER NOT NULL REFERENCES namespaces(id),
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
  hash BLOB PRIMARY KEY,                     -- SHA-256 of the token; the token itself is never stored
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
  hash TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  tier TEXT NOT NULL DEFAULT 'inhouse',
  pack TEXT,                                 -- null: a loose file blocks/<aa>/<hash>
  pack_offset INTEGER,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block_owners (
  namespace_id INTEGER NOT NULL REFERENCES namespaces(id),
  hash TEXT NOT NULL,
  owned_at INTEGER,                          -- ms; the namespace's last verified upload of it (null: before this was kept)
  PRIMARY KEY (namespace_id, hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (
  namespace_id INTEGER NOT NULL REFERENCES namespaces(id),
  id INTEGER NOT NULL,
  path TEXT NOT NULL,
  file_id TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,
  content_hash TEXT,
  blocks TEXT NOT NULL,                      -- block hashes concatenated, 64 hex digits each
  device TEXT NOT NULL,
  committed_at INTEGER NOT NULL,
  PRIMARY KEY (namespace_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS journal_by_path ON journal (namespace_id, path, id);
`;

/**
 * Opens (creating if needed) the database in `dataDir` with `driver`: WAL for the native
 * driver, a rollback journal for wasm (sqlite-driver.ts).
 *
 * Durability: the connection runs at synchronous=NORMAL, and `durably` raises it to FULL for
 * the transactions that must survive power loss (journal commits, restores, new users).
 * - Every transaction, NORMAL or FULL, is in the WAL file when it returns, so it survives
 *   kill -9 of the server: the kernel still writes the page cache out.
 * - NORMAL transactions (block rows, ownership) can be lost to a power cut, but the WAL is
 *   a sequential log: a later FULL transaction fsyncs every frame before it, so a commit
 *   that references a block makes that block's rows durable too. A block row lost with no
 *   commit naming it costs one re-upload (the client is told it is missing), never data:
 *   the block file itself was fsynced before the answer.
 * - This keeps a WAL fsync off the event loop for every 4 MiB block uploaded.
 *
 * The data dir is 0700 and the database 0600; SQLite gives the -wal and -shm files it makes
 * the database's mode, and those an older version left readable are tightened here.
 */
export function openDatabase(dataDir: string, driver: SqliteDriver = DEFAULT_SQLITE_DRIVER): Db {
  makePrivateDir(dataDir);
  const file = join(dataDir, 'server.db');
  makePrivateFile(file);
  keepPrivate(`${file}-wal`);
  keepPrivate(`${file}-shm`);
  const db = openSqlite(file, driver);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  // Data dirs from before block_owners.owned_at: their rows read as uploaded long ago.
  const ownerColumns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('block_owners') as string[];
  if (!ownerColumns.includes('owned_at')) db.exec('ALTER TABLE block_owners ADD COLUMN owned_at INTEGER');
  db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run('server_id', randomUUID());
  return db;
}

/** The id made when this data dir was first used; it changes only if the data is replaced. */
export function serverIdOf(db: Db): string {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get('server_id') as { value: string };
  return row.value;
}

/**
 * Runs `body` in one transaction that is fsynced before this returns (synchronous=FULL),
 * so it survives power loss as well as kill -9. See openDatabase.
 */
export function durably<T>(db: Db, body: () => T): T {
  db.pragma('synchronous = FULL');
  try {
    // IMMEDIATE takes the write lock at BEGIN, waiting out busy_timeout for another process
    // (`hsync server user add` beside a running server). A deferred transaction that reads
    // first and then writes fails at once with "database is locked" when another connection
    // wrote in between: SQLite cannot wait for that one.
    return db.transaction(body).immediate();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}
