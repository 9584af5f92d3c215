// The engine's port to the server: metadata (journal, commits) and blocks. HttpRemote
// implements it over docs/protocol.md. Every method throws SyncError with a code the
// engine can act on: 'unauthorized', 'unavailable' (refused, timeout, 5xx), 'conflict',
// 'hash_mismatch', 'not_found', 'bad_request', 'server_changed'.

import type { BlockHash } from '../../common/blocks.js';
import type {
  AccountResponse,
  CommitChange,
  CommitResponse,
  JournalEntry,
  ListResponse,
  LongpollResponse,
  PendingResponse,
} from '../../common/protocol.js';

/** Bytes moved over the wire so far, for status and benchmarks. */
export interface TransferCounters {
  sentBytes: number;
  receivedBytes: number;
}

export interface RemoteStore {
  readonly url: string;
  readonly counters: TransferCounters;

  /** Who the token is (and the server's identity); 'unauthorized' for a bad token. */
  account(): Promise<AccountResponse>;

  /** Commits a batch; per-change results in order (see CommitResult). */
  commit(device: string, changes: CommitChange[]): Promise<CommitResponse>;

  /** One page of journal entries after `cursor`. */
  list(cursor: number, limit?: number): Promise<ListResponse>;

  /**
   * Resolves when the journal passes `cursor` or after `timeoutSec`; rejects with 'unavailable'
   * on abort. With `seen` it also resolves at once when something the client last saw
   * (LongpollSeen) has moved on.
   */
  longpoll(cursor: number, timeoutSec: number, signal?: AbortSignal, seen?: LongpollSeen): Promise<LongpollResponse>;

  /**
   * Uploads other devices have under way (GET /v1/pending), whose blocks can be fetched as
   * they arrive. Optional: a store without it (or an older server: 'not_found') has none.
   */
  pending?(): Promise<PendingResponse>;

  /**
   * Blocks of this namespace the server has no good copy of any more (GET /v1/blocks/wanted):
   * a device holding one in an unchanged file uploads it again. Optional: a store without it
   * (or an older server: 'not_found') wants none.
   */
  wantedBlocks?(): Promise<BlockHash[]>;

  /** The subset of `hashes` this namespace must still upload. */
  missingBlocks(hashes: BlockHash[]): Promise<BlockHash[]>;

  /** Uploads one block (≤ 4 MiB). The server verifies the hash; 'hash_mismatch' if it differs. */
  putBlock(hash: BlockHash, bytes: Uint8Array): Promise<void>;

  /** Uploads many small blocks in one request (the batch route). */
  putBlocks(blocks: { hash: BlockHash; bytes: Uint8Array }[]): Promise<void>;

  /**
   * Downloads one block and verifies its SHA-256 before returning; 'hash_mismatch' otherwise.
   * With `into` (at least the block's size) the result may be a view of it: the caller reuses
   * that buffer and must be done with the result before the next call with it.
   */
  getBlock(hash: BlockHash, into?: Buffer): Promise<Buffer>;

  /**
   * Downloads many small blocks in few requests (POST /v1/blocks/get), each verified like
   * getBlock's. Blocks the server leaves out (not owned, unknown, or on another tier) are
   * missing from the map: fetch those with getBlock, which falls back or says why. Keep the
   * total small (the server refuses more than 64 MiB per request). 'hash_mismatch' when
   * any block's bytes are wrong, 'unavailable' for a cut-off or malformed answer.
   */
  getBlocks(hashes: BlockHash[]): Promise<Map<BlockHash, Buffer>>;

  /** Every revision of a path, newest first. */
  revisions(path: string): Promise<JournalEntry[]>;

  /** Makes an old revision live again. */
  restore(device: string, path: string, rev: number): Promise<JournalEntry>;
}

/** What a long-poll's client last saw; each field is the LongpollResponse field of that name. */
export interface LongpollSeen {
  /** A pending upload announced after it wakes the poll. */
  pendingSeq?: number;
  /** A count of wanted blocks other than it wakes the poll. */
  wanted?: number;
  /** A change of the wanted list after it wakes the poll (with `wanted`). */
  wantedSeq?: number;
}
