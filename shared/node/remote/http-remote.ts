// RemoteStore over the in-house server's HTTP API (docs/protocol.md). Keep-alive sockets,
// byte counters for status and benchmarks, and every foreign failure mapped to a SyncError
// code the engine acts on: connection failures, timeouts and 5xx are 'unavailable'. The JSON
// calls go through got (json-calls.ts); block bytes through node:http directly
// (http-exchange.ts, direct-get.ts), which README.md "Architecture" explains.

import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { BLOCK_SIZE, type BlockHash } from '../../common/blocks.js';
import { SyncError, isErrorCode, type ErrorCode } from '../../common/errors.js';
import type {
  AccountResponse,
  BatchUploadResponse,
  CommitChange,
  CommitResponse,
  ErrorBody,
  GetBlocksRequest,
  JournalEntry,
  ListResponse,
  LongpollResponse,
  MissingResponse,
  PendingResponse,
  RestoreResponse,
  RevisionsResponse,
  WantedResponse,
} from '../../common/protocol.js';
import type {
  BlockUrlsRequest,
  BlockUrlsResponse,
  ConfirmBlocksRequest,
  ConfirmBlocksResponse,
} from '../../common/tier-protocol.js';
import { MAX_CLIENT_RETRY_WAIT_SEC } from '../../common/limits.js';
import { BLOCKS_GET_ABSENT } from '../../common/protocol.js';
import type { StatsResponse } from '../../common/tier-stats.js';
import { DirectGets, NotDirect } from './direct-get.js';
import { busyPauseSec } from './busy-retry.js';
import { exchange } from './http-exchange.js';
import { JsonCalls } from './json-calls.js';
import type { LongpollSeen, RemoteStore, TransferCounters } from './remote-store.js';
import { sleep } from '../sleep.js';

export interface HttpRemoteOptions {
  /** Per-request idle timeout; long-polls get their own timeout plus this. */
  timeoutMs?: number;
  /** Sockets kept per server: bounds the transfers in flight. */
  maxSockets?: number;
}

interface Response {
  status: number;
  body: Buffer;
  retryAfter?: string;
}

/** Most bytes one batch upload request carries; more blocks go in further requests. */
const BATCH_BYTES = 8 * 1024 * 1024;
const BATCH_COUNT = 2000;
/** Most hashes one multi-block read asks for (the server takes up to MAX_GET_HASHES). */
const GET_BATCH_COUNT = 1024;

export class HttpRemote implements RemoteStore {
  readonly counters: TransferCounters = { sentBytes: 0, receivedBytes: 0 };
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  /** Block downloads into the caller's buffer, over plain http (direct-get.ts). */
  private readonly direct: DirectGets | null;
  private readonly calls: JsonCalls;

  constructor(
    readonly url: string,
    private readonly token: string,
    options: HttpRemoteOptions = {},
  ) {
    this.base = new URL(url);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new SyncError('bad_request', `server URL "${url}": must be http or https`);
    }
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 8 });
    this.direct = this.base.protocol === 'http:' ? new DirectGets(this.base, options.maxSockets ?? 8) : null;
    this.calls = new JsonCalls({ agent: this.agent, token, timeoutMs: this.timeoutMs, counters: this.counters });
  }

  /** Closes idle keep-alive sockets; the store stays usable. */
  close(): void {
    this.agent.destroy();
    this.direct?.close();
  }

  async account(): Promise<AccountResponse> {
    return this.json('GET', '/v1/account');
  }

  async commit(device: string, changes: CommitChange[]): Promise<CommitResponse> {
    return this.json('POST', '/v1/commit', { device, changes });
  }

  async list(cursor: number, limit = 1000): Promise<ListResponse> {
    return this.json('GET', `/v1/list?cursor=${cursor}&limit=${limit}`);
  }

  async longpoll(cursor: number, timeoutSec: number, signal?: AbortSignal, seen: LongpollSeen = {}): Promise<LongpollResponse> {
    const query = [['pending', seen.pendingSeq], ['wanted', seen.wanted], ['wantedSeq', seen.wantedSeq]]
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `&${name}=${value}`)
      .join('');
    return this.json('GET', `/v1/longpoll?cursor=${cursor}&timeout=${timeoutSec}${query}`, undefined, {
      timeoutMs: timeoutSec * 1000 + this.timeoutMs,
      signal,
    });
  }

  async pending(): Promise<PendingResponse> {
    return this.json('GET', '/v1/pending');
  }

  async wantedBlocks(): Promise<BlockHash[]> {
    return (await this.json<WantedResponse>('GET', '/v1/blocks/wanted')).wanted;
  }

  async missingBlocks(hashes: BlockHash[]): Promise<BlockHash[]> {
    if (hashes.length === 0) return [];
    const { missing } = await this.json<MissingResponse>('POST', '/v1/blocks/missing', { hashes });
    return missing;
  }

  async putBlock(hash: BlockHash, bytes: Uint8Array): Promise<void> {
    const response = await this.request('PUT', `/v1/blocks/${hash}`, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      contentType: 'application/octet-stream',
    });
    this.check(response, `upload block ${hash}`);
  }

  async putBlocks(blocks: { hash: BlockHash; bytes: Uint8Array }[]): Promise<void> {
    let start = 0;
    while (start < blocks.length) {
      let end = start;
      let bytes = 0;
      while (end < blocks.length && end - start < BATCH_COUNT && (end === start || bytes + blocks[end].bytes.length <= BATCH_BYTES)) {
        bytes += blocks[end].bytes.length;
        end++;
      }
      await this.putBatch(blocks.slice(start, end));
      start = end;
    }
  }

  async getBlock(hash: BlockHash, into?: Buffer): Promise<Buffer> {
    const path = `/v1/blocks/${hash}`;
    const direct = into ? await this.directGet(path, into) : null;
    // A busy server's 429 is retried after its Retry-After by request(), which reads headers.
    const response = direct && direct.status !== 429 ? direct : await this.request('GET', path, undefined, { bodyInto: into });
    this.check(response, `download block ${hash}`);
    const actual = createHash('sha256').update(response.body).digest('hex');
    if (actual !== hash) {
      throw new SyncError('hash_mismatch', `download block ${hash}: server sent bytes hashing to ${actual}`);
    }
    return response.body;
  }

  async getBlocks(hashes: BlockHash[]): Promise<Map<BlockHash, Buffer>> {
    const out = new Map<BlockHash, Buffer>();
    const unique = [...new Set(hashes)];
    for (let start = 0; start < unique.length; start += GET_BATCH_COUNT) {
      const asked = unique.slice(start, start + GET_BATCH_COUNT);
      const request: GetBlocksRequest = { hashes: asked };
      const response = await this.request('POST', '/v1/blocks/get', Buffer.from(JSON.stringify(request)), { contentType: 'application/json' });
      readBlockRecords(this.check(response, `download ${asked.length} blocks`).body, asked, out);
    }
    return out;
  }

  /** Every revision of `path`, newest first, page by page. */
  async revisions(path: string): Promise<JournalEntry[]> {
    const all: JournalEntry[] = [];
    let before = '';
    for (;;) {
      const page = await this.json<RevisionsResponse>('GET', `/v1/revisions?path=${encodeURIComponent(path)}${before}`);
      all.push(...page.revisions);
      const last = page.revisions.at(-1);
      if (!page.hasMore || !last) return all;
      before = `&before=${last.rev}`;
    }
  }

  async restore(device: string, path: string, rev: number): Promise<JournalEntry> {
    const { entry } = await this.json<RestoreResponse>('POST', '/v1/restore', { path, rev, device });
    return entry;
  }

  /** Signed (in-house) or presigned (S3) URLs for moving blocks directly; see tier-protocol.ts. */
  async blockUrls(request: BlockUrlsRequest): Promise<BlockUrlsResponse> {
    return this.json('POST', '/v1/blocks/urls', request);
  }

  /** Records blocks uploaded through URLs for this namespace, once the server has checked them. */
  async confirmBlocks(request: ConfirmBlocksRequest): Promise<ConfirmBlocksResponse> {
    return this.json('POST', '/v1/blocks/confirm', request);
  }

  /** Blocks and bytes per storage tier and their estimated monthly cost (GET /v1/stats). */
  async tierStats(): Promise<StatsResponse> {
    return this.json('GET', '/v1/stats');
  }

  private async putBatch(blocks: { hash: BlockHash; bytes: Uint8Array }[]): Promise<void> {
    const parts: Buffer[] = [];
    for (const { hash, bytes } of blocks) {
      const header = Buffer.allocUnsafe(36);
      header.write(hash, 0, 32, 'hex');
      header.writeUInt32BE(bytes.length, 32);
      parts.push(header, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    const response = await this.request('POST', '/v1/blocks/batch', Buffer.concat(parts), {
      contentType: 'application/octet-stream',
    });
    const { stored } = this.parse<BatchUploadResponse>(this.check(response, `upload ${blocks.length} blocks`));
    if (!Array.isArray(stored) || stored.length !== blocks.length) {
      throw new SyncError('internal', `upload ${blocks.length} blocks: server confirmed ${stored?.length ?? 0}`);
    }
  }

  private async json<T>(method: string, path: string, body?: unknown, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    const url = new URL(path, this.base);
    let response: Response;
    try {
      response = await this.calls.call({ method, url, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)), ...options });
    } catch (error) {
      throw this.unreachable(method, url.pathname, error);
    }
    return this.parse<T>(this.check(response, `${method} ${url.pathname}`));
  }

  private parse<T>(response: Response): T {
    try {
      return JSON.parse(response.body.toString('utf8')) as T;
    } catch (error) {
      throw new SyncError('unavailable', `server ${this.url}: answered with malformed JSON`, { cause: error });
    }
  }

  /** Returns a 2xx response, or throws the SyncError its error body (or status) describes. */
  private check(response: Response, operation: string): Response {
    if (response.status >= 200 && response.status < 300) return response;
    // Still refused as busy after MAX_CLIENT_RETRY_WAIT_SEC of waiting: a transient state, like a server that is down.
    if (response.status === 429) throw new SyncError('unavailable', `${operation}: server ${this.url} busy (HTTP 429) after ${MAX_CLIENT_RETRY_WAIT_SEC} s of retries`);
    let code: ErrorCode = statusCode(response.status);
    let reason = `HTTP ${response.status}`;
    try {
      const { error } = JSON.parse(response.body.toString('utf8')) as ErrorBody;
      // 5xx is 'unavailable' whatever the body says, but for a block the server cannot reach:
      // that one is about the block, not the server, and waits without stopping the sync.
      if (isErrorCode(error?.code) && (response.status < 500 || error.code === 'storage_unavailable')) code = error.code;
      if (typeof error?.message === 'string') reason = error.message;
    } catch {
      // A non-JSON error body (a proxy's HTML page, say): the status alone decides.
    }
    // A full disk on this device has the same code: the words say whose disk it is.
    if (code === 'disk_full') reason = `server full (${reason})`;
    throw new SyncError(code, `${operation}: ${reason}`);
  }

  /** GET `path` with its body read into `into` (direct-get.ts); null when only node:http can read the answer. */
  private async directGet(path: string, into: Buffer): Promise<Response | null> {
    if (!this.direct) return null;
    try {
      return await this.direct.get(new URL(path, this.base).pathname, { authorization: `Bearer ${this.token}` }, into, {
        timeoutMs: this.timeoutMs,
        counters: this.counters,
      });
    } catch (error) {
      if (error instanceof NotDirect) return null;
      throw this.unreachable('GET', path, error);
    }
  }

  /** One block transfer; a busy answer is asked again as busy-retry.ts says, and only then returned. */
  private async request(method: string, path: string, body?: Buffer, options: RequestOptions = {}): Promise<Response> {
    let waited = 0;
    for (;;) {
      const response = await this.requestOnce(method, path, body, options);
      const pause = busyPauseSec(response.status, response.retryAfter, waited);
      if (pause === 0) return response;
      await sleep(pause * 1000);
      waited += pause;
    }
  }

  private async requestOnce(method: string, path: string, body?: Buffer, options: RequestOptions = {}): Promise<Response> {
    const target = new URL(path, this.base);
    try {
      return await exchange(target, {
        method,
        agent: this.agent,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body ? { 'content-type': options.contentType } : {}),
        },
        body,
        timeoutMs: this.timeoutMs,
        counters: this.counters,
        bodyInto: options.bodyInto,
      });
    } catch (error) {
      throw this.unreachable(method, target.pathname, error);
    }
  }

  /** A network failure, timeout or cut answer, as the engine acts on it. */
  private unreachable(method: string, path: string, error: unknown): SyncError {
    return new SyncError('unavailable', `${method} ${path}: server ${this.url} unreachable (${(error as Error).message})`, { cause: error });
  }
}

interface RequestOptions {
  bodyInto?: Buffer;
  contentType?: string;
}

/**
 * Splits a POST /v1/blocks/get answer into `out`: one record per asked hash, in order, each
 * hash-checked. Anything else (a record for another hash, a length past the end, bytes
 * left over) means the answer was cut or garbled: nothing of it is trusted.
 */
export function readBlockRecords(body: Buffer, asked: readonly BlockHash[], out: Map<BlockHash, Buffer>): void {
  const what = `download ${asked.length} blocks`;
  const malformed = (reason: string) => new SyncError('unavailable', `${what}: malformed answer, ${reason}`);
  const found: [BlockHash, Buffer][] = [];
  let offset = 0;
  for (const hash of asked) {
    if (body.length - offset < 36) throw malformed(`it ends at byte ${body.length} before the record for ${hash}`);
    const named = body.toString('hex', offset, offset + 32);
    if (named !== hash) throw malformed(`record at byte ${offset} is for ${named}, expected ${hash}`);
    const length = body.readUInt32BE(offset + 32);
    offset += 36;
    if (length === BLOCKS_GET_ABSENT) continue;
    if (length > BLOCK_SIZE || offset + length > body.length) throw malformed(`block ${hash} declares ${length} bytes, ${body.length - offset} remain`);
    const bytes = body.subarray(offset, offset + length);
    offset += length;
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== hash) throw new SyncError('hash_mismatch', `download block ${hash}: server sent bytes hashing to ${actual}`);
    found.push([hash, bytes]);
  }
  if (offset !== body.length) throw malformed(`${body.length - offset} bytes after the last record`);
  for (const [hash, bytes] of found) out.set(hash, bytes);
}

function statusCode(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'too_large';
  if (status === 422) return 'hash_mismatch';
  if (status === 507) return 'disk_full';
  if (status >= 500 || status === 0) return 'unavailable';
  return 'bad_request';
}
