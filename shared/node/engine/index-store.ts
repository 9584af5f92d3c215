// The local index: base tree, pending remote entries, block locations and small state
// (cursor, server identity, device id) in node-sqlite3-wasm. Writes are grouped in
// transactions (autocommit statements are ~40× slower there). The base tree is also kept
// in memory, since the planner reads all of it on every cycle.

import { renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import type { BlockHash, ContentHash } from '../../common/blocks.js';
import type { JournalEntry } from '../../common/protocol.js';
import type { BaseEntry } from './types.js';
import { claimDatabase } from '../database-owner.js';
import { makePrivateDir, makePrivateFile } from '../private-files.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS base (
  path TEXT PRIMARY KEY, rev INTEGER NOT NULL, file_id TEXT NOT NULL, hash TEXT NOT NULL,
  size INTEGER NOT NULL, mtime REAL NOT NULL, ino INTEGER NOT NULL, remote_mtime REAL NOT NULL,
  blocks TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS remote (path TEXT PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS block_loc (hash TEXT NOT NULL, path TEXT NOT NULL, idx INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS block_loc_hash ON block_loc (hash);
CREATE INDEX IF NOT EXISTS block_loc_path ON block_loc (path);
`;

/** Where a block can be read locally: file and block index in it. */
export interface BlockLocation {
  path: string;
  index: number;
}

export class IndexStore {
  private readonly db: sqlite.Database;
  readonly base = new Map<string, BaseEntry>();
  readonly remote = new Map<string, JournalEntry>();
  private readonly statements = new Map<string, sqlite.Statement>();
  /** The cursor after the last journal page recorded (in memory; see addRemote). */
  private pulledCursor = 0;
  /** Remote entries and cursor recorded in memory but not yet written (see addRemote). */
  private readonly unsaved = new Map<string, JournalEntry>();
  private cursorSaved = true;

  private readonly ownerFile: string;
  /**
   * The last client on this index stopped without closing it (a crash or a power cut): its
   * owner file was still there. A power cut can leave a file with the stat it had at the
   * disk's last commit and newer, torn bytes (docs/testing.md "Power cuts"), so after such
   * a stop no stat is trusted: the engine's first full scan hashes every file.
   */
  readonly uncleanStop: boolean;

  constructor(readonly file: string) {
    // The index names every synced path and the settings beside it hold the token.
    makePrivateDir(dirname(file));
    this.ownerFile = join(dirname(file), 'index.owner');
    // One process per index (database-owner.ts); an owner file left behind means the last
    // run never closed it.
    this.uncleanStop = claimDatabase(this.ownerFile, file, 'index', 'another client on this folder?');
    try {
      makePrivateFile(file);
      this.db = openDatabase(file);
    } catch (error) {
      // A damaged index is set aside, never trusted and never a reason to delete files: the
      // next scan rebuilds the base by content hash against the server's journal.
      const aside = `${file}.damaged-${Date.now()}`;
      renameSync(file, aside);
      rmSync(`${file}-journal`, { force: true });
      makePrivateFile(file);
      this.db = openDatabase(file);
      this.setMeta('rebuiltFrom', `${aside}: ${(error as Error).message}`);
    }
    for (const row of this.db.all('SELECT * FROM base')) {
      const entry = rowToBase(row);
      this.base.set(entry.path, entry);
    }
    for (const row of this.db.all('SELECT entry FROM remote')) {
      const entry = JSON.parse(row.entry as string) as JournalEntry;
      this.remote.set(entry.path, entry);
    }
    this.pulledCursor = Number(this.getMeta('cursor') ?? 0);
  }

  close(): void {
    this.transaction(() => undefined); // writes what addRemote kept in memory
    for (const statement of this.statements.values()) statement.finalize();
    this.statements.clear();
    this.db.close();
    rmSync(this.ownerFile, { force: true });
  }

  /** Runs `work` in one transaction; nested calls join the outer one. */
  transaction<T>(work: () => T): T {
    if (this.db.inTransaction) return work();
    this.db.exec('BEGIN');
    try {
      const result = work();
      this.saveRemote();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.rollback();
      throw error;
    }
  }

  /** Rolls back; everything remote in memory is written again by the next transaction. */
  private rollback(): void {
    this.db.exec('ROLLBACK');
    for (const entry of this.remote.values()) this.unsaved.set(entry.path, entry);
    this.cursorSaved = false;
  }

  /**
   * Runs async `work` inside one long transaction, committed at least every second and at
   * the end (also on failure: every write in it describes work already durable on disk).
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    if (this.batching || this.db.inTransaction) return work();
    this.db.exec('BEGIN');
    this.batching = true;
    this.lastFlush = Date.now();
    try {
      return await work();
    } finally {
      this.batching = false;
      if (this.db.inTransaction) {
        this.saveRemote();
        this.db.exec('COMMIT');
      }
    }
  }

  private batching = false;
  private lastFlush = 0;

  private maybeFlush(): void {
    if (!this.batching || Date.now() - this.lastFlush < 1000) return;
    this.saveRemote();
    this.db.exec('COMMIT');
    this.db.exec('BEGIN');
    this.lastFlush = Date.now();
  }

  getMeta(key: string): string | null {
    const row = this.stmt('SELECT value FROM meta WHERE key = ?').get([key]);
    return row ? (row.value as string) : null;
  }

  setMeta(key: string, value: string): void {
    this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run([key, value]);
  }

  /** Where the next pull starts: the cursor after the last page recorded. */
  get cursor(): number {
    return this.pulledCursor;
  }

  /**
   * Records journal entries newer than the base and the cursor after them. They are kept
   * in memory (the planner reads `remote` from there anyway) and written, entries and cursor
   * together, by the next commit: the executor's batch right after the pull, or close. What
   * is on disk stays consistent: older entries with the older cursor. A crash in between
   * only means pulling those pages again; a commit of their own cost each page two fsyncs
   * on the event loop (~0.3 s for 10,000 new entries while downloads were flushing). And
   * an entry whose download lands before that commit is never written at all: its base,
   * in the same transaction, is what the new cursor stands for.
   */
  addRemote(entries: JournalEntry[], cursor: number): void {
    for (const entry of entries) {
      const base = this.base.get(entry.path);
      if (base && base.rev >= entry.rev) continue;
      if (!base && entry.deleted && !this.remote.has(entry.path)) continue;
      this.remote.set(entry.path, entry);
      this.unsaved.set(entry.path, entry);
    }
    if (cursor !== this.pulledCursor) this.cursorSaved = false;
    this.pulledCursor = cursor;
  }

  /** Writes the remote entries and cursor kept in memory; call right before a COMMIT. */
  private saveRemote(): void {
    if (this.cursorSaved && this.unsaved.size === 0) return;
    const insert = this.stmt('INSERT INTO remote (path, entry) VALUES (CAST(? AS TEXT), CAST(? AS TEXT)) ON CONFLICT(path) DO UPDATE SET entry = excluded.entry');
    for (const entry of this.unsaved.values()) insert.run([utf8(entry.path), utf8(JSON.stringify(entry))]);
    this.unsaved.clear();
    this.setMeta('cursor', String(this.pulledCursor));
    this.cursorSaved = true;
  }

  /** Drops the pending remote entry of `path` if it is not newer than `rev`. */
  clearRemote(path: string, rev = Infinity): void {
    const entry = this.remote.get(path);
    if (!entry || entry.rev > rev) return;
    this.remote.delete(path);
    this.unsaved.delete(path);
    this.stmt('DELETE FROM remote WHERE path = CAST(? AS TEXT)').run([utf8(path)]);
  }

  /** The synced state of `path` becomes `entry` with the local stat it has now. */
  setBase(entry: BaseEntry, blocks: readonly BlockHash[]): void {
    this.transaction(() => {
      // block_loc rows exist only for paths in base: a new path has none to delete.
      const known = this.base.has(entry.path);
      this.base.set(entry.path, entry);
      const path = utf8(entry.path);
      this.stmt(
        'INSERT INTO base (path, rev, file_id, hash, size, mtime, ino, remote_mtime, blocks) ' +
          'VALUES (CAST(? AS TEXT), ?, CAST(? AS TEXT), CAST(? AS TEXT), ?, ?, ?, ?, CAST(? AS TEXT)) ' +
          'ON CONFLICT(path) DO UPDATE SET rev = excluded.rev, file_id = excluded.file_id, hash = excluded.hash, size = excluded.size, ' +
          'mtime = excluded.mtime, ino = excluded.ino, remote_mtime = excluded.remote_mtime, blocks = excluded.blocks',
      ).run([path, entry.rev, utf8(entry.fileId), utf8(entry.contentHash), entry.size, entry.mtime, entry.ino, entry.remoteMtime, utf8(blocks.join(' '))]);
      if (known) this.stmt('DELETE FROM block_loc WHERE path = CAST(? AS TEXT)').run([path]);
      const insert = this.stmt('INSERT INTO block_loc (hash, path, idx) VALUES (CAST(? AS TEXT), CAST(? AS TEXT), ?)');
      blocks.forEach((hash, index) => insert.run([utf8(hash), path, index]));
      this.clearRemote(entry.path, entry.rev);
    });
    this.maybeFlush();
  }

  /** Only the local stat changed (a touch, a rename-into-place with the same bytes). */
  updateBaseStat(path: string, mtime: number, ino: number): void {
    const entry = this.base.get(path);
    if (!entry) return;
    entry.mtime = mtime;
    entry.ino = ino;
    this.stmt('UPDATE base SET mtime = ?, ino = ? WHERE path = ?').run([mtime, ino, path]);
  }

  deleteBase(path: string): void {
    this.transaction(() => {
      this.base.delete(path);
      this.stmt('DELETE FROM base WHERE path = ?').run([path]);
      this.stmt('DELETE FROM block_loc WHERE path = ?').run([path]);
    });
    this.maybeFlush();
  }

  /** The base version of `path` as a journal entry (a restore fetches it like a download). */
  baseAsEntry(base: BaseEntry, device: string): JournalEntry {
    return {
      id: 0,
      path: base.path,
      rev: base.rev,
      fileId: base.fileId,
      deleted: false,
      size: base.size,
      mtime: base.remoteMtime,
      contentHash: base.contentHash,
      blocks: this.baseBlocks(base.path),
      device,
      committedAt: 0,
    };
  }

  /**
   * This device no longer holds `path` but the server does: the base becomes the pending
   * remote entry (unless a newer one waits there), so planning meets it as a download again
   * once the path syncs here (docs/engine.md "Selective sync").
   */
  baseToRemote(path: string, device: string): void {
    const base = this.base.get(path);
    if (!base) return;
    this.transaction(() => {
      const pending = this.remote.get(path);
      if (!pending || pending.rev <= base.rev) {
        const entry = this.baseAsEntry(base, device);
        this.remote.set(path, entry);
        this.unsaved.set(path, entry);
      }
      this.deleteBase(path);
    });
  }

  baseBlocks(path: string): BlockHash[] {
    const row = this.stmt('SELECT blocks FROM base WHERE path = ?').get([path]);
    const text = row ? (row.blocks as string) : '';
    return text === '' ? [] : (text.split(' ') as BlockHash[]);
  }

  /** Local files (by the base) that hold a block with this hash. */
  locate(hash: BlockHash): BlockLocation[] {
    return this.stmt('SELECT path, idx FROM block_loc WHERE hash = ? LIMIT 8')
      .all([hash])
      .map((row) => ({ path: row.path as string, index: Number(row.idx) }));
  }

  private stmt(sql: string): sqlite.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * Text for a statement parameter written as `CAST(? AS TEXT)`: its UTF-8 bytes, bound as a
 * blob and stored as the same TEXT value. node-sqlite3-wasm encodes a bound JS string in
 * three character-by-character JS loops; for a 300-byte journal entry that was most of the
 * cost of recording it (~50 µs), where Buffer.from is native. Short text, and text with
 * unpaired surrogates (which Buffer.from would replace), is bound as a string.
 */
function utf8(text: string): Uint8Array | string {
  return text.length < 16 || LONE_SURROGATE.test(text) ? text : Buffer.from(text, 'utf8');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function rowToBase(row: Record<string, unknown>): BaseEntry {
  return {
    path: row.path as string,
    rev: Number(row.rev),
    fileId: row.file_id as string,
    contentHash: row.hash as ContentHash,
    size: Number(row.size),
    mtime: Number(row.mtime),
    ino: Number(row.ino),
    remoteMtime: Number(row.remote_mtime),
  };
}

function openDatabase(file: string): sqlite.Database {
  const db = new sqlite.Database(file);
  try {
    db.exec('PRAGMA journal_mode = DELETE; PRAGMA synchronous = NORMAL;');
    // One transaction: as separate statements each CREATE of a new index is its own commit
    // with its own fsyncs (~0.5 s for a fresh index here).
    db.exec(`BEGIN; ${SCHEMA} COMMIT;`);
    db.get('SELECT count(*) FROM base');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

