// The metadata store the server's routes go through: accounts and tokens, the namespace
// journals, block ownership and the block index. Two implementations hold the same data
// model: SQLite in the data dir (sqlite-store.ts, the default) and PostgreSQL
// (postgres-store.ts, `hsync server --db URL`). Every call is async so that a networked
// database fits; writes happen inside `transaction`. The tier index (where each block
// lives, S3 copies and packs, corrupt copies, the scrub cursors: tiers/tier-store.ts) is
// `tiers`, on the store (each call on its own) and on a transaction.

import type { JournalEntry } from '../../shared/common/protocol.js';
import type { NewBlock } from '../blocks/block-index.js';
import type { StoredBlock } from '../blocks/get-blocks.js';
import type { NewEntry } from '../meta/journal.js';
import type { TierStore } from '../tiers/tier-store.js';
import type { Caller } from './accounts.js';

/** What may be read inside or outside a transaction. */
export interface MetaReads {
  /** The namespace's last journal id (0 when empty). */
  head(namespaceId: number): Promise<number>;
  /** The path's newest entry, deletions included. */
  latest(namespaceId: number, path: string): Promise<JournalEntry | null>;
  /** Up to `limit` entries with id > cursor, oldest first. */
  list(namespaceId: number, cursor: number, limit: number): Promise<JournalEntry[]>;
  /** Entries of `path` older than revision `before`, newest first, at most `limit`. */
  revisions(namespaceId: number, path: string, before: number, limit: number): Promise<JournalEntry[]>;
  /** The entry with journal id `rev`, or null. */
  entry(namespaceId: number, rev: number): Promise<JournalEntry | null>;
  /** The hashes (deduplicated, in first-seen order) that `namespaceId` does not own. */
  missing(namespaceId: number, hashes: readonly string[]): Promise<string[]>;
  owns(namespaceId: number, hash: string): Promise<boolean>;
  /** The stored blocks among `hashes` that the namespace owns; the others are left out. */
  ownedBlocks(namespaceId: number, hashes: readonly string[]): Promise<Map<string, StoredBlock>>;
  /** Where `hash` is stored, or null when no namespace has uploaded it. */
  findBlock(hash: string): Promise<StoredBlock | null>;
  /** Sizes of the given hashes that are stored (absent ones are left out). */
  blockSizes(hashes: readonly string[]): Promise<Map<string, number>>;
}

/** One transaction's view: reads see its own writes. */
export interface MetaTx extends MetaReads {
  /**
   * Holds the namespace's journal until the transaction ends, so that two commits to one
   * namespace are decided one after the other: a stale parent is a conflict, never an
   * overwrite, whichever server process or connection each came through.
   */
  lockNamespace(namespaceId: number): Promise<void>;
  /** Appends one entry with the namespace's next id. */
  append(namespaceId: number, entry: NewEntry): Promise<JournalEntry>;
  /** Records ownership; returns how many were new. */
  addOwners(namespaceId: number, hashes: readonly string[]): Promise<number>;
  /** Records where blocks whose bytes were just verified and written now live (BlockIndex.place). */
  placeBlocks(blocks: readonly NewBlock[]): Promise<void>;
  /**
   * Holds the S3 copies' records until the transaction ends, so that the S3 sweep's choice
   * of what to delete and an upload's record of what it wrote are decided one after the
   * other (tiers/repatriate.ts, sweepS3), whichever process each runs in.
   */
  lockS3Objects(): Promise<void>;
  /** The tier index, inside this transaction. */
  readonly tiers: TierStore;
}

export interface TransactionOptions {
  /** Survives power loss, not only a crash of the server (journal commits, restores). */
  durable?: boolean;
}

export interface MetaStore extends MetaReads {
  /** The id made when this store was first used; it changes only if the data is replaced. */
  serverId(): Promise<string>;
  /**
   * Runs `body` in one transaction: all of its writes or none. The body awaits only `tx`
   * calls (no network, no files), so a transaction is short.
   */
  transaction<T>(body: (tx: MetaTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Creates user `name` with a home namespace; returns its new token (accounts.ts). */
  createUser(name: string): Promise<string>;
  /** The caller a bearer token belongs to, or null for an unknown token. */
  authenticate(token: string): Promise<Caller | null>;
  /** The tier index, each call on its own (a write is its own transaction). */
  readonly tiers: TierStore;
  /**
   * Calls `wake(namespaceId)` whenever a journal entry is committed to that namespace by
   * any process sharing the database (several metadata servers on PostgreSQL), and
   * `wake(null)` when some may have been missed (the connection that hears them was lost).
   * On SQLite, which one server process writes, it calls nothing: that process wakes its
   * own long-polls.
   */
  listen(wake: (namespaceId: number | null) => void): Promise<void>;
  /**
   * Runs the background job `name` (repatriation, scrub) unless another process sharing the
   * database runs it now: then answers null at once. On SQLite, one server process, the
   * body always runs.
   */
  exclusive<T>(name: string, body: () => Promise<T>): Promise<T | null>;
  close(): Promise<void>;
}
