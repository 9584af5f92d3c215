// The wasm SQLite driver (sqlite-driver.ts): node-sqlite3-wasm behind the same synchronous
// surface as better-sqlite3. It loads under any ABI (Electron's utility process included)
// at the cost of one process per database and a rollback journal instead of WAL.
//
// node-sqlite3-wasm frees nothing on its own: statements are prepared once per SQL text
// and finalized on close, so code that prepares in a loop does not leak wasm memory.

import { rmSync } from 'node:fs';
import sqlite from 'node-sqlite3-wasm';
import { claimDatabase } from '../../shared/node/database-owner.js';
import type { RunResult, SqliteDb, SqliteStatement, SqliteTransaction } from './sqlite-driver.js';

type BindValue = sqlite.JSValue;

/** The owner file of a database on the wasm driver (database-owner.ts). */
export function wasmOwnerFile(file: string): string {
  return `${file}.owner`;
}

export function openWasmSqlite(file: string): SqliteDb {
  const ownerFile = wasmOwnerFile(file);
  claimDatabase(ownerFile, file, 'database', 'a server on the wasm SQLite driver runs on this data dir');
  const db = new sqlite.Database(file);
  try {
    // Its VFS has no shared memory, so it cannot open a WAL database in the normal locking
    // mode; exclusive mode can, and switching to a rollback journal then checkpoints it.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.get('PRAGMA journal_mode = DELETE');
    db.exec('PRAGMA locking_mode = NORMAL');
    db.get('PRAGMA busy_timeout = 5000');
    return new WasmDb(db, ownerFile);
  } catch (error) {
    db.close();
    throw error;
  }
}

class WasmDb implements SqliteDb {
  private readonly statements = new Map<string, sqlite.Statement>();
  private savepoints = 0;

  constructor(
    private readonly db: sqlite.Database,
    private readonly ownerFile: string,
  ) {}

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  prepare(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return new WasmStatement(statement);
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  pragma(sql: string): unknown {
    return this.db.all(`PRAGMA ${sql}`);
  }

  transaction<T>(body: () => T): SqliteTransaction<T> {
    const run = (begin: string) => (this.db.inTransaction ? this.nested(body) : this.outer(body, begin));
    return Object.assign(() => run('BEGIN'), { immediate: () => run('BEGIN IMMEDIATE') });
  }

  close(): void {
    for (const statement of this.statements.values()) statement.finalize();
    this.statements.clear();
    this.db.close();
    rmSync(this.ownerFile, { force: true });
  }

  private outer<T>(body: () => T, begin: string): T {
    this.db.exec(begin);
    try {
      const result = body();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Inside an open transaction, as better-sqlite3 does: a savepoint. */
  private nested<T>(body: () => T): T {
    const name = `nested_${++this.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = body();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    } finally {
      this.savepoints--;
    }
  }
}

class WasmStatement implements SqliteStatement {
  private plucked = false;

  constructor(private readonly statement: sqlite.Statement) {}

  // Every query runs to its end: node-sqlite3-wasm resets a statement only when it is next
  // run, and one left midway keeps SQLite from committing ("SQL statements in progress").
  // The server's gets are lookups of one row; its one iterate reads every row anyway.
  get(...params: unknown[]): unknown {
    return this.all(...params)[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.statement.all(bind(params)).map((row) => this.shape(row));
  }

  run(...params: unknown[]): RunResult {
    return this.statement.run(bind(params));
  }

  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.all(...params)[Symbol.iterator]();
  }

  pluck(): SqliteStatement {
    this.plucked = true;
    return this;
  }

  private shape(row: Record<string, unknown>): unknown {
    return this.plucked ? Object.values(row)[0] : row;
  }
}

/** better-sqlite3 takes parameters spread; node-sqlite3-wasm takes one array. */
function bind(params: unknown[]): BindValue[] {
  return params as BindValue[];
}
