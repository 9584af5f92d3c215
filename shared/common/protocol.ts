// Wire types of the in-house server's HTTP API (docs/protocol.md spells out the routes).
// Both the server and the client engine import these, so the two cannot drift.

import type { BlockHash, ContentHash } from './blocks.js';
import type { ErrorData } from './errors.js';

/** Every non-2xx answer carries this body. */
export interface ErrorBody {
  error: ErrorData;
}

/** GET /v1/health (no auth). `serverId` changes only when the server's data dir is new or wiped. */
export interface HealthResponse {
  ok: true;
  serverId: string;
}

/** GET /v1/account: who the token belongs to. */
export interface AccountResponse {
  user: string;
  namespace: string;
  serverId: string;
  /** Long-polls of this namespace waiting now (its devices listening for changes). */
  waitingLongpolls?: number;
}

/** POST /v1/blocks/missing */
export interface MissingRequest {
  hashes: BlockHash[];
}
export interface MissingResponse {
  missing: BlockHash[];
}

/**
 * GET /v1/blocks/wanted: blocks of this namespace the server holds no good copy of (found
 * corrupt or missing). A device whose unchanged local file holds one uploads it again
 * (PUT /v1/blocks/<hash> or the batch route), which heals it.
 */
export interface WantedResponse {
  wanted: BlockHash[];
}

/** POST /v1/blocks/batch answers with the hashes it stored (or already owned), in order. */
export interface BatchUploadResponse {
  stored: BlockHash[];
}

/**
 * POST /v1/blocks/get: many blocks in one answer (small files). The answer is
 * `application/octet-stream`, one record per requested hash in request order:
 * [32-byte raw SHA-256][uint32 BE length][length bytes], where the length
 * BLOCKS_GET_ABSENT (no bytes follow) means "not served here: ask GET /v1/blocks/<hash>",
 * which gives the reason (not owned, unknown, or held by another tier).
 */
export interface GetBlocksRequest {
  hashes: BlockHash[];
}
/** Record length meaning "this block is not in this answer". */
export const BLOCKS_GET_ABSENT = 0xffff_ffff;
/** The multi-block read's limits (their owner is limits.ts). */
export { MAX_GET_BYTES, MAX_GET_HASHES } from './limits.js';

/**
 * One version of one path in the namespace journal. `rev` is the journal id of the commit
 * that made it, so revisions of a path increase and are unique across the namespace.
 * `fileId` is given when a path is first created and carried through moves and restores.
 */
export interface JournalEntry {
  id: number;
  path: string;
  rev: number;
  fileId: string;
  deleted: boolean;
  size: number;
  mtime: number; // ms since epoch, as the committing client saw it; informative only
  contentHash: ContentHash | null; // null for deletions
  blocks: BlockHash[];
  device: string;
  committedAt: number; // server clock, ms
}

/**
 * One change in a POST /v1/commit batch. `parentRev` is the revision the client based its
 * change on: null when it believes the path does not exist (new file, or deleted).
 */
export type CommitChange =
  | { kind: 'put'; path: string; parentRev: number | null; size: number; mtime: number; blocks: BlockHash[] }
  | { kind: 'delete'; path: string; parentRev: number }
  | { kind: 'move'; from: string; fromRev: number; path: string; parentRev: number | null };

export interface CommitRequest {
  device: string;
  changes: CommitChange[];
}

/**
 * Per-change answer, same order as the request:
 * - committed: the new entry (a move returns the entry at the new path; the old path
 *   gets a deletion entry just before it);
 * - need_blocks: nothing was written; upload `missing`, then commit again;
 * - conflict: `current` is the path's live entry now (null when it is absent/deleted).
 * - rejected: the change itself is invalid (bad path, size mismatch…); `error` says why.
 */
export type CommitResult =
  | { status: 'committed'; entry: JournalEntry }
  | { status: 'need_blocks'; missing: BlockHash[] }
  | { status: 'conflict'; current: JournalEntry | null }
  | { status: 'rejected'; error: ErrorData };

export interface CommitResponse {
  results: CommitResult[];
  cursor: number; // the journal id after this batch
}

/** GET /v1/list?cursor=N&limit=M: journal entries with id > cursor, oldest first. */
export interface ListResponse {
  entries: JournalEntry[];
  cursor: number; // pass back to continue; equals the last entry's id, or the input if none
  hasMore: boolean;
}

/**
 * GET /v1/longpoll?cursor=N&timeout=S[&pending=P][&wanted=W[&wantedSeq=Q]]: returns when the
 * journal passes `cursor` or on timeout. With `pending=P` (the last `pendingSeq` seen, 0 at
 * first) also when a pending upload newer than P is announced (see PendingUpload), and the
 * answer carries `pending` and `pendingSeq`. With `wanted=W` (the last `wanted` seen, 0 at
 * first) also when the count of wanted blocks is not W, and with `wantedSeq=Q` when the
 * wanted list changed since Q (a want made and ended between two polls leaves the count
 * as it was); the answer carries `wanted` and `wantedSeq`. Additive: without them, or from
 * an older server, those fields are absent.
 */
export interface LongpollResponse {
  changes: boolean;
  cursor: number; // the namespace's latest journal id
  /** True while the namespace has pending uploads: GET /v1/pending lists them. */
  pending?: boolean;
  /** Grows each time a pending upload is added to the namespace (0: none yet since start). */
  pendingSeq?: number;
  /** With `wanted=W`: how many blocks the namespace is asked to upload again (GET /v1/blocks/wanted). */
  wanted?: number;
  /** With `wanted=W`: grows each time the namespace's wanted list changes (0: not since the server started). */
  wantedSeq?: number;
}

/**
 * A multi-block file another device is uploading now: its commit was answered need_blocks
 * and its blocks are arriving. A hint only, held in the server's memory (a restart forgets
 * it), dropped when a commit for the path lands, when the same device commits something
 * else for the path, or after a timeout. Its blocks can be read (GET /v1/blocks/<hash>) as
 * soon as they are uploaded; until then they answer 404.
 */
export interface PendingUpload {
  path: string;
  size: number;
  mtime: number;
  contentHash: ContentHash;
  blocks: BlockHash[];
  device: string;
  /** Server clock, ms: when the upload was first announced. */
  since: number;
}

/** GET /v1/pending: the namespace's pending uploads, oldest first. */
export interface PendingResponse {
  uploads: PendingUpload[];
  pendingSeq: number;
}

/** GET /v1/revisions?path=P: every entry of one path, newest first. */
export interface RevisionsResponse {
  revisions: JournalEntry[];
  /** More, older revisions exist: ask again with `before` = the last `rev` returned. */
  hasMore?: boolean;
}

/** POST /v1/restore: makes revision `rev` of `path` the live version again (a new entry). */
export interface RestoreRequest {
  path: string;
  rev: number;
  device: string;
}
export interface RestoreResponse {
  entry: JournalEntry;
}
