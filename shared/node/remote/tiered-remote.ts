// A RemoteStore that keeps syncing when the in-house block service fails. Block writes and
// reads go to the in-house service through the wrapped store; when it fails in a way that
// means "down" (refused, timeout, 5xx: 'unavailable'; full: 'disk_full'), the blocks go to
// S3 through URLs the metadata service presigns, and are confirmed with it afterwards. A
// circuit breaker (circuit-breaker.ts) stops trying the dead service on every block and
// lets one real request through as a probe, with growing delays, until it answers again.
//
// Every block read from either tier is hash-checked before it is returned. Metadata calls
// (commit, list, long-poll…) pass straight through: the metadata service is the authority
// and has no fallback.

import { createHash } from 'node:crypto';
import type { BlockHash } from '../../common/blocks.js';
import { SyncError, hasCode } from '../../common/errors.js';
import type { AccountResponse, CommitChange, CommitResponse, JournalEntry, ListResponse, LongpollResponse, PendingResponse } from '../../common/protocol.js';
import type { StorageState } from '../../common/sync-api.js';
import type { BlockUrl, BlockUrlsRequest, BlockUrlsResponse, ConfirmBlocksRequest, ConfirmBlocksResponse } from '../../common/tier-protocol.js';
import type { BlockTier, TierStats } from '../../common/tier-stats.js';
import { CLOSED, DEFAULT_BREAKER, admit, recordFailure, recordSuccess, type BreakerPolicy, type BreakerState } from './circuit-breaker.js';
import type { LongpollSeen, RemoteStore, TransferCounters } from './remote-store.js';
import { UrlTransfer } from './url-transfer.js';

/** What the decorator needs beyond RemoteStore: HttpRemote provides all of it. */
export interface TierRoutes {
  blockUrls(request: BlockUrlsRequest): Promise<BlockUrlsResponse>;
  confirmBlocks(request: ConfirmBlocksRequest): Promise<ConfirmBlocksResponse>;
  tierStats?(): Promise<TierStats>;
}

export interface TieredRemoteOptions {
  breaker?: BreakerPolicy;
  /** Clock in ms; a fake one in tests. */
  now?: () => number;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Block transfers to S3 in flight at once. */
  concurrency?: number;
  /** Timeout of one transfer to a URL. */
  urlTimeoutMs?: number;
  /** Called whenever storage() would answer differently. */
  onStorageChange?: (state: StorageState) => void;
  /** How old the server's tier figures in storage() may get before a refresh; 0 never fetches. */
  tierStatsEveryMs?: number;
}

/** Hashes per URL or confirm request, to keep each JSON body small. */
const URL_BATCH = 500;

const DEGRADED = 'degraded: using S3 fallback';

export class TieredRemote implements RemoteStore {
  private breaker: BreakerState = CLOSED;
  private readonly policy: BreakerPolicy;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly transfer: UrlTransfer;
  private placement: BlockTier = 'inhouse';
  private tiers: StorageState['tiers'] = null;
  private lastState = '';
  private tiersFetchedAt = -Infinity;
  private tiersFetch: Promise<boolean> | null = null;
  /** Whether the metadata service signs URLs on a separate block service (split mode). */
  private signedInhouse: Promise<boolean> | null = null;

  constructor(
    private readonly inner: RemoteStore & TierRoutes,
    private readonly options: TieredRemoteOptions = {},
  ) {
    this.policy = options.breaker ?? DEFAULT_BREAKER;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.concurrency = options.concurrency ?? 8;
    this.transfer = new UrlTransfer(inner.counters, { timeoutMs: options.urlTimeoutMs, maxSockets: this.concurrency });
    this.lastState = JSON.stringify(this.state());
  }

  get url(): string {
    return this.inner.url;
  }

  get counters(): TransferCounters {
    return this.inner.counters;
  }

  /**
   * Where blocks are going now, for the engine's status ("degraded: using S3 fallback"),
   * with the server's per-tier figures; stale figures are refreshed in the background and
   * announced through onStorageChange.
   */
  storage(): StorageState {
    const every = this.options.tierStatsEveryMs ?? 30_000;
    if (every > 0 && this.inner.tierStats && !this.tiersFetch && this.now() - this.tiersFetchedAt >= every) {
      this.tiersFetchedAt = this.now();
      this.tiersFetch = this.refreshTierStats()
        .catch(() => false) // an older server without GET /v1/stats: figures stay null
        .finally(() => {
          this.tiersFetch = null;
          if (this.tiersFetchedAt === -Infinity) this.storage(); // a commit landed while this fetch was out
        });
    }
    return this.state();
  }

  private state(): StorageState {
    if (this.placement === 's3') return { mode: 's3', detail: 'namespace stored in S3', tiers: this.tiers };
    const degraded = this.breaker.kind !== 'closed' || this.breaker.failures > 0;
    return degraded
      ? { mode: 'fallback', detail: DEGRADED, tiers: this.tiers }
      : { mode: 'inhouse', detail: 'in-house block store', tiers: this.tiers };
  }

  /** Fetches the server's per-tier figures into storage().tiers; resolves false if the server has none. */
  async refreshTierStats(): Promise<boolean> {
    if (!this.inner.tierStats) return false;
    const stats = await this.inner.tierStats();
    this.tiers = { inhouse: { ...stats.tiers.inhouse }, s3: { ...stats.tiers.s3 } };
    const placement = (stats as { placement?: unknown }).placement;
    if (placement === 's3' || placement === 'inhouse') this.placement = placement;
    this.changed();
    return true;
  }

  async account(): Promise<AccountResponse> {
    const account = await this.inner.account();
    const placement = (account as { placement?: unknown }).placement;
    if (placement === 's3' || placement === 'inhouse') {
      this.placement = placement;
      this.changed();
    }
    return account;
  }

  async commit(device: string, changes: CommitChange[]): Promise<CommitResponse> {
    const response = await this.inner.commit(device, changes);
    // What the server stores per tier has just changed: the figures in storage() are stale.
    this.tiersFetchedAt = -Infinity;
    this.storage();
    return response;
  }

  list(cursor: number, limit?: number): Promise<ListResponse> {
    return this.inner.list(cursor, limit);
  }

  longpoll(cursor: number, timeoutSec: number, signal?: AbortSignal, seen?: LongpollSeen): Promise<LongpollResponse> {
    return this.inner.longpoll(cursor, timeoutSec, signal, seen);
  }

  async pending(): Promise<PendingResponse> {
    if (!this.inner.pending) return { uploads: [], pendingSeq: 0 };
    return this.inner.pending();
  }

  async wantedBlocks(): Promise<BlockHash[]> {
    return this.inner.wantedBlocks ? this.inner.wantedBlocks() : [];
  }

  missingBlocks(hashes: BlockHash[]): Promise<BlockHash[]> {
    return this.inner.missingBlocks(hashes);
  }

  revisions(path: string): Promise<JournalEntry[]> {
    return this.inner.revisions(path);
  }

  restore(device: string, path: string, rev: number): Promise<JournalEntry> {
    return this.inner.restore(device, path, rev);
  }

  async putBlock(hash: BlockHash, bytes: Uint8Array): Promise<void> {
    const tried = await this.inhouse(async () =>
      (await this.splitMode(hash)) ? this.putViaUrls([{ hash, bytes }], null, 'inhouse') : this.inner.putBlock(hash, bytes),
    );
    if (!tried.ok) await this.putViaUrls([{ hash, bytes }], tried.error);
  }

  /**
   * Split mode: the metadata service signs short-lived URLs on the block service, so block
   * bytes go there directly (and are confirmed) instead of through the metadata service. A
   * single-process server signs none ('bad_request'); then it takes the bytes itself. Asked
   * once, with a URL request for a block about to be sent anyway.
   */
  private splitMode(hash: BlockHash): Promise<boolean> {
    this.signedInhouse ??= this.inner.blockUrls({ op: 'put', hashes: [hash], tier: 'inhouse' }).then(
      ({ urls }) => urls.some((u) => u.tier === 'inhouse'),
      (error: unknown) => {
        this.signedInhouse = null; // ask again next time unless the answer was a clear no
        if (hasCode(error, 'bad_request') || hasCode(error, 'not_found')) {
          this.signedInhouse = Promise.resolve(false);
          return false;
        }
        throw error;
      },
    );
    return this.signedInhouse;
  }

  /**
   * Small blocks, batched. The batch goes to the metadata service whatever the breaker
   * says: with an S3 tier it packs the batch into S3 itself when its block service is down
   * (one request instead of one S3 PUT per block). So its success says nothing about the
   * block service and does not close the circuit; a failure meaning "down" counts against
   * it, and the blocks then go through S3 URLs one by one.
   */
  async putBlocks(blocks: { hash: BlockHash; bytes: Uint8Array }[]): Promise<void> {
    if (blocks.length === 0) return;
    try {
      await this.inner.putBlocks(blocks);
    } catch (error) {
      if (!hasCode(error, 'unavailable') && !hasCode(error, 'disk_full')) throw error;
      this.setBreaker(recordFailure(this.breaker, this.now(), this.policy, this.random()));
      await this.putViaUrls(blocks, error as SyncError);
    }
  }

  async getBlock(hash: BlockHash, into?: Buffer): Promise<Buffer> {
    const tried = await this.inhouse(
      async () => ((await this.splitMode(hash)) ? this.getViaUrls(hash, null, 'inhouse') : this.inner.getBlock(hash, into)),
      ['hash_mismatch', 'not_found'],
    );
    if (tried.ok) return tried.value;
    return this.getViaUrls(hash, tried.error);
  }

  /**
   * Many small blocks in one request, tried only while the in-house service is trusted
   * (breaker closed). Its answer leaves the breaker alone: in split mode the metadata
   * service answers this route itself, so a success says nothing about the block service.
   * Whatever it cannot answer comes back as an empty map, and the caller asks getBlock for
   * each block, which falls back to S3 per block.
   */
  async getBlocks(hashes: BlockHash[]): Promise<Map<BlockHash, Buffer>> {
    if (hashes.length === 0 || this.breaker.kind !== 'closed') return new Map();
    try {
      return await this.inner.getBlocks(hashes);
    } catch (error) {
      if (hasCode(error, 'unauthorized')) throw error;
      return new Map();
    }
  }

  /** Closes idle sockets of the URL transfers (the wrapped store closes its own). */
  close(): void {
    this.transfer.close();
  }

  /**
   * Runs `call` against the in-house service if the breaker admits it. Failures meaning
   * "service down" count against the breaker; `alsoFallBackOn` codes (a bad or missing
   * block on an otherwise healthy service) fall back without counting. Anything else —
   * the client's own mistake, an auth failure — is thrown as is.
   */
  private async inhouse<T>(
    call: () => Promise<T>,
    alsoFallBackOn: string[] = [],
  ): Promise<{ ok: true; value: T } | { ok: false; error: SyncError | null }> {
    const gate = admit(this.breaker, this.now(), this.policy);
    this.setBreaker(gate.state);
    if (!gate.allowed) return { ok: false, error: null };
    try {
      const value = await call();
      this.setBreaker(recordSuccess(this.breaker));
      return { ok: true, value };
    } catch (error) {
      if (hasCode(error, 'unavailable') || hasCode(error, 'disk_full') || hasCode(error, 'storage_unavailable')) {
        this.setBreaker(recordFailure(this.breaker, this.now(), this.policy, this.random()));
        return { ok: false, error: error as SyncError };
      }
      if (alsoFallBackOn.some((code) => hasCode(error, code as SyncError['code']))) {
        return { ok: false, error: error as SyncError };
      }
      throw error;
    }
  }

  private async putViaUrls(blocks: { hash: BlockHash; bytes: Uint8Array }[], cause: SyncError | null, tier: BlockTier = 's3'): Promise<void> {
    const byHash = new Map(blocks.map((b) => [b.hash, b.bytes]));
    const hashes = [...byHash.keys()];
    try {
      for (let start = 0; start < hashes.length; start += URL_BATCH) {
        const batch = hashes.slice(start, start + URL_BATCH);
        const { urls } = await this.inner.blockUrls({ op: 'put', hashes: batch, tier });
        const given = new Set(urls.map((u) => u.hash));
        const lacking = batch.filter((h) => !given.has(h));
        if (lacking.length > 0) {
          throw new SyncError('unavailable', `upload block ${lacking[0]}: server gave no upload URL (${lacking.length} blocks)`);
        }
        await this.pool(urls, (u) => this.transfer.put(u.url, byHash.get(u.hash)!, `upload block ${u.hash} to ${u.tier}`));
        for (const tier of new Set(urls.map((u) => u.tier))) {
          const stored = urls.filter((u) => u.tier === tier).map((u) => ({ hash: u.hash, size: byHash.get(u.hash)!.length }));
          const { missing } = await this.inner.confirmBlocks({ tier, blocks: stored });
          if (missing.length > 0) {
            throw new SyncError('unavailable', `upload block ${missing[0]}: ${tier} does not hold it after upload (${missing.length} blocks)`);
          }
        }
      }
    } catch (error) {
      if (cause && error instanceof SyncError) {
        throw new SyncError(error.code, `${error.message}; in-house store failed first: ${cause.message}`, { cause: error });
      }
      throw error;
    }
  }

  private async getViaUrls(hash: BlockHash, cause: SyncError | null, tier: BlockTier = 's3'): Promise<Buffer> {
    let urls: BlockUrl[];
    try {
      ({ urls } = await this.inner.blockUrls({ op: 'get', hashes: [hash], tier }));
    } catch (error) {
      throw cause ?? error;
    }
    const sources = urls.filter((u) => u.hash === hash && u.method === 'GET');
    if (sources.length === 0 && tier === 'inhouse') {
      // Held only in S3 (or not ours): not a sign the block service is down.
      throw new SyncError('not_found', `download block ${hash}: no in-house copy`);
    }
    if (sources.length === 0) {
      // No URL for it (a block in an S3 pack shared with other namespaces is read through the
      // metadata service, which cuts it from the pack): ask the metadata service itself.
      const bytes = await this.inner.getBlock(hash);
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== hash) throw new SyncError('hash_mismatch', `download block ${hash}: ${bytes.length} bytes hash to ${actual}`);
      return bytes;
    }
    let last: unknown = cause ?? new SyncError('unavailable', `download block ${hash}: in-house store skipped (circuit open) and no other source`);
    for (const source of sources) {
      try {
        const bytes = await this.transfer.get(source.url, `download block ${hash} from ${source.tier}`, source.range);
        const actual = createHash('sha256').update(bytes).digest('hex');
        if (actual !== hash) {
          throw new SyncError('hash_mismatch', `download block ${hash} from ${source.tier}: ${bytes.length} bytes hash to ${actual}`);
        }
        return bytes;
      } catch (error) {
        last = error;
      }
    }
    throw last;
  }

  /** Runs `work` over `items` with at most `concurrency` in flight; the first failure wins. */
  private async pool(items: BlockUrl[], work: (item: BlockUrl) => Promise<void>): Promise<void> {
    let next = 0;
    let failure: unknown = null;
    const worker = async () => {
      while (failure === null && next < items.length) {
        const item = items[next++];
        try {
          await work(item);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
    if (failure !== null) throw failure;
  }

  private setBreaker(state: BreakerState): void {
    this.breaker = state;
    this.changed();
  }

  private changed(): void {
    const state = this.state();
    const key = JSON.stringify(state);
    if (key === this.lastState) return;
    this.lastState = key;
    this.options.onStorageChange?.(state);
  }
}
