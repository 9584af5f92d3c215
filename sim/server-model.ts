// The server the simulation talks to: the real metadata logic (Journal, Committer,
// Ownership, BlockIndex over SQLite in a temp dir) with block bytes kept in memory and no
// HTTP in between, so a run of hundreds of operations takes milliseconds. Each user gets a
// RemoteStore that answers like the real routes (docs/protocol.md): the JSON goes through
// a serialise/parse round trip, so the engine never shares objects with the server.

import { SyncError } from '../shared/common/errors.js';
import type { BlockHash } from '../shared/common/blocks.js';
import type { AccountResponse, CommitChange, CommitResponse, JournalEntry, ListResponse, LongpollResponse } from '../shared/common/protocol.js';
import { blockHashOf } from '../shared/node/blocks/content-hash.js';
import type { RemoteStore } from '../shared/node/remote/remote-store.js';
import type { BlockIndex } from '../server/blocks/block-index.js';
import { Committer } from '../server/meta/commit.js';
import type { Journal } from '../server/meta/journal.js';
import type { Ownership } from '../server/meta/ownership.js';
import { authenticate, createUser } from '../server/store/accounts.js';
import { openDatabase, serverIdOf, type Db } from '../server/store/database.js';
import { SqliteMetaStore } from '../server/store/sqlite-store.js';

const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class ServerModel {
  db!: Db;
  journal!: Journal;
  /** Block bytes by hash (the block store's disk: it survives a restart). */
  readonly blocks = new Map<string, Buffer>();
  private ownership!: Ownership;
  private index!: BlockIndex;
  private committer!: Committer;
  private serverId!: string;

  constructor(private readonly dataDir: string) {
    this.open();
  }

  /** A server restart: the database closed and opened again. */
  restart(): void {
    this.db.close();
    this.open();
  }

  private open(): void {
    this.db = openDatabase(this.dataDir);
    this.serverId = serverIdOf(this.db);
    const store = new SqliteMetaStore(this.db);
    this.journal = store.journal;
    this.ownership = store.ownership;
    this.index = store.index;
    this.committer = new Committer(store);
  }

  close(): void {
    this.db.close();
  }

  /** A new user and a RemoteStore for it. */
  addUser(name: string): { namespaceId: number; remote: () => RemoteStore } {
    const token = createUser(this.db, name);
    const caller = authenticate(this.db, token)!;
    return { namespaceId: caller.namespaceId, remote: () => this.remoteFor(caller.user, caller.namespace, caller.namespaceId) };
  }

  /** Every journal entry of a namespace, oldest first (all revisions, deletions included). */
  history(namespaceId: number): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let cursor = 0; ; ) {
      const page = this.journal.list(namespaceId, cursor, 1000);
      if (page.length === 0) return out;
      out.push(...page);
      cursor = page.at(-1)!.id;
    }
  }

  /** The live tree: path -> newest entry, deletions dropped. */
  live(namespaceId: number): Map<string, JournalEntry> {
    const latest = new Map<string, JournalEntry>();
    for (const entry of this.history(namespaceId)) latest.set(entry.path, entry);
    for (const [path, entry] of latest) if (entry.deleted) latest.delete(path);
    return latest;
  }

  /** A file's bytes as the server would serve them (undefined when a block is missing). */
  bytesOf(entry: JournalEntry): Buffer | undefined {
    const parts: Buffer[] = [];
    for (const hash of entry.blocks) {
      const bytes = this.blocks.get(hash);
      if (!bytes) return undefined;
      parts.push(bytes);
    }
    return Buffer.concat(parts);
  }

  private store(namespaceId: number, hash: string, bytes: Uint8Array): void {
    if (blockHashOf(bytes) !== hash) throw new SyncError('hash_mismatch', `upload block ${hash}: the bytes hash differently`);
    if (!this.blocks.has(hash)) this.blocks.set(hash, Buffer.from(bytes));
    this.db.transaction(() => {
      if (!this.index.find(hash)) this.index.place([{ hash, size: bytes.length, pack: null, offset: null }]);
      this.ownership.add(namespaceId, [hash]);
    })();
  }

  private read(namespaceId: number, hash: string): Buffer {
    const bytes = this.ownership.owns(namespaceId, hash) ? this.blocks.get(hash) : undefined;
    if (!bytes) throw new SyncError('not_found', `download block ${hash}: no such block`);
    // The real client checks every block it receives; so does this one.
    if (blockHashOf(bytes) !== hash) throw new SyncError('hash_mismatch', `download block ${hash}: the bytes hash differently`);
    return Buffer.from(bytes);
  }

  private remoteFor(user: string, namespace: string, ns: number): RemoteStore {
    const counters = { sentBytes: 0, receivedBytes: 0 };
    return {
      url: 'sim://server',
      counters,
      account: async (): Promise<AccountResponse> => wire({ user, namespace, serverId: this.serverId }),
      commit: async (device: string, changes: CommitChange[]): Promise<CommitResponse> => wire(await this.committer.commit(ns, device, wire(changes))),
      list: async (cursor: number, limit = 1000): Promise<ListResponse> => {
        const entries = this.journal.list(ns, cursor, limit + 1);
        const hasMore = entries.length > limit;
        entries.length = Math.min(entries.length, limit);
        return wire({ entries, cursor: entries.at(-1)?.id ?? cursor, hasMore });
      },
      longpoll: async (cursor: number): Promise<LongpollResponse> => {
        const head = this.journal.head(ns);
        return { changes: head > cursor, cursor: head };
      },
      missingBlocks: async (hashes: BlockHash[]) => this.ownership.missing(ns, hashes) as BlockHash[],
      putBlock: async (hash: BlockHash, bytes: Uint8Array) => {
        counters.sentBytes += bytes.length;
        this.store(ns, hash, bytes);
      },
      putBlocks: async (blocks) => {
        for (const { hash, bytes } of blocks) {
          counters.sentBytes += bytes.length;
          this.store(ns, hash, bytes);
        }
      },
      getBlock: async (hash: BlockHash) => {
        const bytes = this.read(ns, hash);
        counters.receivedBytes += bytes.length;
        return bytes;
      },
      getBlocks: async (hashes: BlockHash[]) => {
        const out = new Map<BlockHash, Buffer>();
        for (const hash of hashes) {
          if (!this.ownership.owns(ns, hash) || !this.blocks.has(hash)) continue;
          out.set(hash, this.read(ns, hash));
        }
        return out;
      },
      revisions: async (path: string) => wire(this.journal.revisions(ns, path.normalize('NFC'), Number.MAX_SAFE_INTEGER, 1000)),
      restore: async (device: string, path: string, rev: number) => wire(await this.committer.restore(ns, device, path, rev)),
    };
  }
}
