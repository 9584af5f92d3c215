// The metadata store over the data dir's SQLite database (database.ts), the default. It
// runs today's synchronous statements (Journal, Ownership, BlockIndex, accounts) behind
// the async MetaStore interface.
//
// Transactions: a synchronous SQLite driver cannot hold a transaction across an await, so `transaction`
// opens one by hand (BEGIN IMMEDIATE) and runs one body at a time. Reads outside a
// transaction run at once when none is open, and after it otherwise, so they never see
// a write that may still roll back.

import type { StoredBlock } from '../blocks/get-blocks.js';
import { BlockIndex } from '../blocks/block-index.js';
import { Journal } from '../meta/journal.js';
import { Ownership } from '../meta/ownership.js';
import { TierIndex } from '../tiers/tier-index.js';
import { tierStoreOf, type TierStore } from '../tiers/tier-store.js';
import { authenticate, createUser } from './accounts.js';
import { openDatabase, serverIdOf, type Db } from './database.js';
import type { SqliteDriver } from './sqlite-driver.js';
import type { MetaReads, MetaStore, MetaTx, TransactionOptions } from './meta-store.js';

export class SqliteMetaStore implements MetaStore {
  readonly journal: Journal;
  readonly ownership: Ownership;
  readonly index: BlockIndex;
  /** The tier index's statements, for the SQLite-only retention sweep (meta/retention.ts). */
  readonly tierIndex: TierIndex;
  readonly tiers: TierStore;
  private readonly storedStmt;
  private readonly tx: MetaTx;
  /** Settles when the last transaction queued so far has ended. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Transactions queued or running. */
  private open = 0;

  constructor(readonly db: Db) {
    this.journal = new Journal(db);
    this.ownership = new Ownership(db);
    this.index = new BlockIndex(db);
    this.tierIndex = new TierIndex(db);
    this.tiers = tierStoreOf(this.tierIndex, (body) => this.read(body));
    this.storedStmt = db.prepare('SELECT size, tier, pack, pack_offset AS offset FROM blocks WHERE hash = ?');
    this.tx = this.txView();
  }

  /** Opens (creating if needed) the database in `dataDir` with `driver` (default native). */
  static open(dataDir: string, driver?: SqliteDriver): SqliteMetaStore {
    return new SqliteMetaStore(openDatabase(dataDir, driver));
  }

  serverId(): Promise<string> {
    return this.read(() => serverIdOf(this.db));
  }

  head = (namespaceId: number) => this.read(() => this.journal.head(namespaceId));
  latest = (namespaceId: number, path: string) => this.read(() => this.journal.latest(namespaceId, path));
  list = (namespaceId: number, cursor: number, limit: number) => this.read(() => this.journal.list(namespaceId, cursor, limit));
  revisions = (namespaceId: number, path: string, before: number, limit: number) =>
    this.read(() => this.journal.revisions(namespaceId, path, before, limit));
  entry = (namespaceId: number, rev: number) => this.read(() => this.journal.entry(namespaceId, rev));
  missing = (namespaceId: number, hashes: readonly string[]) => this.read(() => this.missingNow(namespaceId, hashes));
  owns = (namespaceId: number, hash: string) => this.read(() => this.ownership.owns(namespaceId, hash));
  ownedBlocks = (namespaceId: number, hashes: readonly string[]) => this.read(() => this.ownedNow(namespaceId, hashes));
  findBlock = (hash: string) => this.read(() => this.findNow(hash));
  blockSizes = (hashes: readonly string[]) => this.read(() => this.index.sizes(hashes));

  createUser(name: string): Promise<string> {
    return this.read(() => createUser(this.db, name));
  }

  authenticate(token: string) {
    return this.read(() => authenticate(this.db, token));
  }

  transaction<T>(body: (tx: MetaTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.open++;
    const run = this.queue.then(() => this.runTransaction(body, options));
    this.queue = run.then(
      () => this.open--,
      () => this.open--,
    );
    return run;
  }

  async listen(): Promise<void> {}

  exclusive<T>(_name: string, body: () => Promise<T>): Promise<T> {
    return body();
  }

  async close(): Promise<void> {
    await this.queue;
    this.db.close();
  }

  private async runTransaction<T>(body: (tx: MetaTx) => Promise<T>, options: TransactionOptions): Promise<T> {
    // synchronous=FULL for this transaction only: see database.ts, openDatabase.
    if (options.durable) this.db.pragma('synchronous = FULL');
    try {
      // IMMEDIATE takes the write lock at BEGIN, waiting out busy_timeout for another
      // process (see database.ts, durably).
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await body(this.tx);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      if (options.durable) this.db.pragma('synchronous = NORMAL');
    }
  }

  /** Runs a read now when no transaction is open, else once they have ended. */
  private read<T>(body: () => T): Promise<T> {
    return this.open > 0 ? this.queue.then(body) : settled(body);
  }

  private missingNow(namespaceId: number, hashes: readonly string[]): string[] {
    // One read transaction for the whole list: many lookups run faster than each on its own.
    return this.db.transaction(() => this.ownership.missing(namespaceId, hashes))();
  }

  private ownedNow(namespaceId: number, hashes: readonly string[]): Map<string, StoredBlock> {
    const found = new Map<string, StoredBlock>();
    this.db.transaction(() => {
      for (const hash of hashes) {
        if (found.has(hash) || !this.ownership.owns(namespaceId, hash)) continue;
        const row = this.findNow(hash);
        if (row) found.set(hash, row);
      }
    })();
    return found;
  }

  private findNow(hash: string): StoredBlock | null {
    return (this.storedStmt.get(hash) as StoredBlock | undefined) ?? null;
  }

  /** The transaction's view: the same statements, run at once (the transaction is open). */
  private txView(): MetaTx {
    const now = settled;
    const reads: MetaReads = {
      head: (namespaceId) => now(() => this.journal.head(namespaceId)),
      latest: (namespaceId, path) => now(() => this.journal.latest(namespaceId, path)),
      list: (namespaceId, cursor, limit) => now(() => this.journal.list(namespaceId, cursor, limit)),
      revisions: (namespaceId, path, before, limit) => now(() => this.journal.revisions(namespaceId, path, before, limit)),
      entry: (namespaceId, rev) => now(() => this.journal.entry(namespaceId, rev)),
      missing: (namespaceId, hashes) => now(() => this.missingNow(namespaceId, hashes)),
      owns: (namespaceId, hash) => now(() => this.ownership.owns(namespaceId, hash)),
      ownedBlocks: (namespaceId, hashes) => now(() => this.ownedNow(namespaceId, hashes)),
      findBlock: (hash) => now(() => this.findNow(hash)),
      blockSizes: (hashes) => now(() => this.index.sizes(hashes)),
    };
    return {
      ...reads,
      // BEGIN IMMEDIATE already holds the whole database's write lock.
      lockNamespace: () => Promise.resolve(),
      append: (namespaceId, entry) => now(() => this.journal.append(namespaceId, entry)),
      addOwners: (namespaceId, hashes) => now(() => this.ownership.add(namespaceId, hashes)),
      placeBlocks: (blocks) => now(() => this.index.place(blocks)),
      // BEGIN IMMEDIATE already holds the whole database's write lock.
      lockS3Objects: () => Promise.resolve(),
      tiers: tierStoreOf(this.tierIndex, now),
    };
  }
}

/** `body`'s result or throw as a promise. */
function settled<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}
