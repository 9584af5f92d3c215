// The small synchronous SQLite surface the server's SQLite code uses (prepare → get/all/run/
// iterate, exec, pragma, transaction), and the two drivers behind it:
// - native: better-sqlite3, a native module built for Node's ABI; WAL, several processes
//   on one data dir (`hsync server user add` beside a running server). The default.
// - wasm: node-sqlite3-wasm (wasm-sqlite.ts), which loads under any ABI, so a packaged
//   desktop app runs its embedded server inside Electron without a native rebuild
//   (docs/deploy.md "SQLite drivers"). One process at a time, rollback journal.
// The process that opens the store picks one (`hsync server --sqlite-driver`).

import { createRequire } from 'node:module';
import { SyncError } from '../../shared/common/errors.js';
import { liveOwner } from '../../shared/node/database-owner.js';
import { openWasmSqlite, wasmOwnerFile } from './wasm-sqlite.js';

export const SQLITE_DRIVERS = ['native', 'wasm'] as const;
export type SqliteDriver = (typeof SQLITE_DRIVERS)[number];
export const DEFAULT_SQLITE_DRIVER: SqliteDriver = 'native';

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqliteStatement {
  /** The first row, or undefined when there is none. */
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): RunResult;
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Rows read as their first column's value from now on; returns the statement. */
  pluck(): SqliteStatement;
}

/** A transaction-wrapped function: nested calls become savepoints. */
export interface SqliteTransaction<T> {
  (): T;
  /** BEGIN IMMEDIATE: takes the write lock at the start. */
  immediate(): T;
}

export interface SqliteDb {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  /** `PRAGMA <sql>`; returns its rows. */
  pragma(sql: string): unknown;
  transaction<T>(body: () => T): SqliteTransaction<T>;
  readonly inTransaction: boolean;
  close(): void;
}

/**
 * better-sqlite3, loaded only when asked for: a process on the wasm driver (the packaged
 * app's embedded server inside Electron, a bundle with no node_modules) never loads the
 * native module, which would not load under its ABI. Every use of the native module goes
 * through here, so no static import can pull it into that bundle.
 */
export function nativeSqlite(): typeof import('better-sqlite3') {
  return createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
}

/**
 * Opens `file` (creating it) with `driver`, waiting up to 5 s for another process's lock,
 * in the driver's journal mode: WAL for native, a rollback journal for wasm (its VFS has no
 * shared memory; a WAL database a native server left is converted when opened).
 */
export function openSqlite(file: string, driver: SqliteDriver): SqliteDb {
  if (driver === 'wasm') return openWasmSqlite(file);
  // A wasm process takes no lock the native driver sees: its owner file is the only sign.
  const owner = liveOwner(wasmOwnerFile(file));
  if (owner !== null) throw new SyncError('io', `open database "${file}": in use by process ${owner} (a server on the wasm SQLite driver)`);
  const Database = nativeSqlite();
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  return db;
}
