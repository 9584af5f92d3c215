// The metadata side's view of both tiers: reads a block from wherever it lives (never
// handing on a corrupt copy), hands out signed and presigned URLs to namespaces that may
// have them, and records uploads made through those URLs once the bytes are really there.

import { createHash, randomBytes } from 'node:crypto';
import { BLOCK_SIZE, isBlockHash, type BlockHash } from '../../shared/common/blocks.js';
import { SyncError, hasCode } from '../../shared/common/errors.js';
import type { BlockUrl, BlockUrlsResponse, ConfirmBlocksResponse } from '../../shared/common/tier-protocol.js';
import type { BlockTier } from '../../shared/common/tier-stats.js';
import { checkBytes, type InhouseStore, type ServingRead } from './inhouse-store.js';
import type { RemoteInhouse } from './remote-inhouse.js';
import type { MetaStore, MetaTx } from '../store/meta-store.js';
import type { S3Tier } from './s3-tier.js';
import type { TierStore } from './tier-store.js';

/** How long a handed-out URL works: long enough for a 4 MiB block on a slow link. */
export const URL_TTL_SEC = 300;
/** Most hashes per URL or confirm request. */
export const MAX_URL_HASHES = 1000;
/** How long an S3 copy stays after the in-house copy took over (mark, then sweep). */
export const DEFAULT_GRACE_MS = 24 * 3600 * 1000;
/**
 * Blocks smaller than this go to S3 packed, many to an object: S3 (and s3rver, ~250
 * objects/s here) charges per request, so one object per 4 KiB block caps small files.
 * The same line the client draws between batched and single uploads.
 */
export const PACK_BELOW = 1024 * 1024;
/** Most bytes in one pack object; a bigger batch becomes several packs. */
export const PACK_MAX_BYTES = 16 * 1024 * 1024;

export interface TierServiceDeps {
  /** The metadata store: ownership, and the tier index (store.tiers). */
  store: MetaStore;
  inhouse: InhouseStore;
  /** Present in split mode: the block service clients may be sent to. */
  remote: RemoteInhouse | null;
  s3: S3Tier | null;
  graceMs?: number;
}

export class TierService {
  readonly graceMs: number;
  /** S3 deletions in flight (the sweep); an upload of the same block waits for them. */
  readonly deleting = new Map<string, Promise<void>>();

  constructor(readonly deps: TierServiceDeps) {
    this.graceMs = deps.graceMs ?? DEFAULT_GRACE_MS;
  }

  get index(): TierStore {
    return this.deps.store.tiers;
  }

  /**
   * The block's bytes, hash-checked. A corrupt or missing in-house copy is recorded and
   * the S3 copy used instead; 'storage_unavailable' when the in-house store is down and S3
   * has no copy (the client then asks for S3 URLs itself, finds none, and lets that file
   * wait while it syncs the rest).
   * `serving` is for answering a download (InhouseStore.read).
   */
  async read(hash: string, serving?: ServingRead): Promise<Buffer> {
    const { index } = this;
    const { inhouse } = this.deps;
    const row = await index.block(hash);
    if (!row) throw new SyncError('not_found', `read block ${hash}: no such block`);
    if (row.tier === 's3') return this.readS3(hash);
    try {
      return await inhouse.read(hash, row, serving);
    } catch (error) {
      const lost = hasCode(error, 'hash_mismatch') || hasCode(error, 'not_found');
      if (lost) await index.markCorrupt(hash, 'inhouse', (error as Error).message);
      if ((lost || hasCode(error, 'unavailable')) && this.deps.s3 && (await index.inS3(hash))) return this.readS3(hash);
      if (hasCode(error, 'unavailable')) {
        // This server answers; the block waits for its store (docs/hybrid-storage.md, "In-house outage").
        throw new SyncError('storage_unavailable', `read block ${hash}: waiting for in-house storage (${(error as Error).message})`, { cause: error });
      }
      throw error;
    }
  }

  /** Reads the S3 copy (a whole object or a pack's range); wrong bytes are recorded as a corrupt S3 copy and refused. */
  async readS3(hash: string): Promise<Buffer> {
    try {
      return await this.fetchS3(hash);
    } catch (error) {
      if (hasCode(error, 'hash_mismatch') || hasCode(error, 'not_found')) {
        await this.index.markCorrupt(hash, 's3', (error as Error).message);
      }
      throw error;
    }
  }

  /** The S3 copy's bytes, wherever S3 holds them (a whole object or a pack's range), hash-checked. */
  async fetchS3(hash: string): Promise<Buffer> {
    const s3 = this.requireS3(`read block ${hash}`);
    const where = await this.index.s3Location(hash);
    if (where?.pack && where.offset !== null) return s3.getPacked(hash as BlockHash, where.pack, where.offset, where.size);
    return s3.get(hash as BlockHash);
  }

  /** Stores a block for an `s3`-placement namespace (or any direct write meant for S3). */
  async storeS3(namespaceId: number, hash: string, bytes: Buffer): Promise<void> {
    await this.storeMany(namespaceId, 's3', [{ hash, bytes }]);
  }

  /** Stores a block on the in-house store of split mode and records it. */
  async storeInhouse(namespaceId: number, hash: string, bytes: Buffer): Promise<void> {
    await this.storeMany(namespaceId, 'inhouse', [{ hash, bytes }]);
  }

  /**
   * Stores blocks the server received itself (an s3 namespace's uploads, or the block routes
   * in split mode): checks each hash, sends every distinct block to the tier (8 at a time),
   * then records them all in one transaction (one fsync, not one per block). A block the
   * tier holds already is sent too: skipping it would answer measurably faster and tell the
   * uploader that another namespace has it (docs/hybrid-storage.md, "Ownership"); the bytes
   * are verified, so rewriting a good copy loses nothing and a bad one is healed. For S3,
   * blocks under PACK_BELOW share pack objects; only once a pack is stored are its blocks
   * recorded.
   */
  async storeMany(
    namespaceId: number,
    tier: BlockTier,
    blocks: { hash: string; bytes: Buffer }[],
    options: { verified?: boolean } = {},
  ): Promise<void> {
    const { store, inhouse } = this.deps;
    const s3 = tier === 's3' ? this.requireS3('upload block') : null;
    // `verified`: the caller hashed every block of this very buffer already (parseBatch does).
    if (!options.verified) for (const { hash, bytes } of blocks) checkBytes(hash, bytes, 'upload');
    const seen = new Set<string>();
    const unique = blocks.filter(({ hash }) => !seen.has(hash) && seen.add(hash) !== undefined);
    // Blocks S3 held before keep their place there (record); the copy sent now is a spare.
    const held = new Set<string>();
    if (s3) for (const b of unique) if (await store.tiers.inS3(b.hash)) held.add(b.hash);
    // A lone small block is one request either way: it stays a whole-block object.
    const small = s3 ? unique.filter((b) => b.bytes.length < PACK_BELOW) : [];
    const packs = small.length >= 2 ? packBlocks(small) : [];
    const single = packs.length > 0 ? unique.filter((b) => b.bytes.length >= PACK_BELOW) : unique;
    const work: (() => Promise<void>)[] = [
      ...single.map(({ hash, bytes }) => async () => {
        await this.deleting.get(hash);
        if (s3) await s3.put(hash as BlockHash, bytes);
        else await inhouse.write(hash, bytes);
      }),
      ...packs.map((pack) => async () => {
        pack.size = await s3!.putPack(pack.id, pack.blocks.map((b) => b.bytes));
        written.push(pack.id);
      }),
    ];
    const written: string[] = [];
    try {
      await pool(work, 8, (run) => run());
    } catch (error) {
      // Nothing is recorded: packs already written would be orphans in the bucket.
      await Promise.allSettled(written.map((id) => s3!.deletePack(id)));
      throw error;
    }
    const gone = await store.transaction(async (tx) => {
      if (s3) await tx.lockS3Objects();
      for (const pack of packs) {
        await tx.tiers.recordPack(pack.id, pack.size, pack.blocks.length);
        for (const b of pack.blocks) await tx.tiers.recordS3(b.hash, b.bytes.length, pack.id, b.offset);
      }
      // Whole objects the sweep began deleting after they were written: stored again below.
      // Looked at under the lock, after which no sweep can begin (sweepS3).
      const swept = new Set(s3 ? single.filter((b) => this.deleting.has(b.hash)).map((b) => b.hash) : []);
      const sizes = unique.filter((b) => !swept.has(b.hash)).map(({ hash, bytes }) => ({ hash, size: bytes.length }));
      await this.recordIn(tx, namespaceId, tier, sizes, { packed: new Set(packs.flatMap((pack) => pack.blocks.map((b) => b.hash))), held });
      return swept;
    });
    if (gone.size > 0) await this.storeMany(namespaceId, tier, unique.filter((b) => gone.has(b.hash)), { verified: true });
  }

  /** POST /v1/blocks/urls (see shared/common/tier-protocol.ts). */
  async urls(namespaceId: number, body: Record<string, unknown>): Promise<BlockUrlsResponse> {
    const { op, hashes, tier } = parseUrlsRequest(body);
    const { store, remote, s3 } = this.deps;
    const index = store.tiers;
    const urls: BlockUrl[] = [];
    const denied: BlockHash[] = [];
    const ns = String(namespaceId);
    if (op === 'put') {
      // An s3 namespace's data goes to S3 whatever the client asks (data residency).
      const target: BlockTier = (await index.placementOf(namespaceId)) === 's3' ? 's3' : (tier ?? 'inhouse');
      for (const hash of hashes) {
        if (target === 's3') {
          const s3tier = this.requireS3('upload URL');
          urls.push({ hash, tier: 's3', method: 'PUT', url: await s3tier.presignPut(hash, URL_TTL_SEC, ns), expiresAt: nowSec() + URL_TTL_SEC });
        } else {
          if (!remote) throw new SyncError('bad_request', 'upload URL: in-house uploads go to PUT /v1/blocks/<hash> on this server');
          urls.push({ hash, tier: 'inhouse', method: 'PUT', ...remote.url('PUT', hash, URL_TTL_SEC, ns) });
        }
      }
      return { urls, denied };
    }
    for (const hash of hashes) {
      const row = (await store.owns(namespaceId, hash)) ? await index.block(hash) : null;
      const before = urls.length;
      if (row && tier !== 's3' && row.tier === 'inhouse' && remote) {
        urls.push({ hash, tier: 'inhouse', method: 'GET', ...remote.url('GET', hash, URL_TTL_SEC, ns) });
      }
      const where = row && tier !== 'inhouse' && s3 ? await index.s3Location(hash) : null;
      if (where && s3) {
        const expiresAt = nowSec() + URL_TTL_SEC;
        if (where.pack && where.offset !== null) {
          // The whole pack's URL plus the block's range: the client sends the Range header and
          // hash-checks what comes back. A pack that also holds blocks this namespace does not
          // own gets no URL (the range is advisory); the client reads the block through
          // GET /v1/blocks/<hash>, which the server cuts from the pack itself.
          if (await index.ownsWholePack(where.pack, namespaceId)) {
            const url = await s3.presignGetPack(where.pack, URL_TTL_SEC);
            urls.push({ hash, tier: 's3', method: 'GET', url, expiresAt, range: { offset: where.offset, length: where.size } });
          }
        } else {
          urls.push({ hash, tier: 's3', method: 'GET', url: await s3.presignGet(hash, URL_TTL_SEC), expiresAt });
        }
      }
      // Not owned and not stored get the same answer: a URL never reveals another namespace's blocks.
      if (urls.length === before) denied.push(hash);
    }
    return { urls, denied };
  }

  /**
   * POST /v1/blocks/confirm: records a block only when this namespace uploaded its bytes
   * itself through a URL issued to it (docs/hybrid-storage.md, "Ownership"). Knowing a hash
   * and its size grants nothing: such a block is `missing`, as a hash nobody has is.
   */
  async confirm(namespaceId: number, body: Record<string, unknown>): Promise<ConfirmBlocksResponse> {
    const { tier, blocks } = parseConfirmRequest(body);
    const confirmed: { hash: BlockHash; size: number }[] = [];
    const missing: BlockHash[] = [];
    await pool(blocks, 8, async ({ hash, size }) => {
      if (await this.uploaded(namespaceId, tier, hash, size)) confirmed.push({ hash, size });
      else missing.push(hash);
    });
    // S3 blocks are recorded one by one as they are copied into place (uploaded).
    if (tier === 'inhouse') await this.deps.store.transaction((tx) => this.recordIn(tx, namespaceId, tier, confirmed));
    return { confirmed: confirmed.map((b) => b.hash), missing };
  }

  private async uploaded(namespaceId: number, tier: BlockTier, hash: BlockHash, size: number): Promise<boolean> {
    const ns = String(namespaceId);
    if (tier === 's3') {
      const s3 = this.requireS3(`confirm block ${hash}`);
      const staged = await s3.getStaged(ns, hash);
      if (!staged) return false;
      // Bytes that are not the block are dropped; the right bytes with a wrong size claimed stay staged.
      if (sha256(staged) !== hash) {
        await s3.deleteStaged(ns, hash);
        return false;
      }
      if (staged.length !== size) return false;
      // The verified bytes go to the block's key whether or not a copy is there: leaving a
      // stored copy alone would make this confirm measurably faster and tell the caller
      // that another namespace has the block. They are the block's bytes, so a good copy
      // loses nothing and a bad one is healed. Recorded in the transaction that checks,
      // under the lock the sweep takes, that no sweep began deleting the object after it
      // was written (sweepS3); if one did, it is written again.
      for (;;) {
        await this.deleting.get(hash);
        await s3.put(hash, staged);
        const recorded = await this.deps.store.transaction(async (tx) => {
          await tx.lockS3Objects();
          if (this.deleting.has(hash)) return false;
          await this.recordIn(tx, namespaceId, 's3', [{ hash, size }]);
          return true;
        });
        if (recorded) break;
      }
      await s3.deleteStaged(ns, hash);
      return true;
    }
    if (!this.deps.remote) throw new SyncError('bad_request', 'confirm: in-house uploads go to PUT /v1/blocks/<hash> on this server');
    return (await this.deps.remote.uploadedBy(hash, ns)) === size;
  }

  /**
   * Records stored blocks and the namespace's ownership in one transaction. For S3,
   * `packed` were just recorded with their place in a pack, and `held` were in S3 before
   * this upload: they keep the place they had (a copy the sweep removed meanwhile is
   * recorded at the one just written). Every other S3 block was just stored as a
   * whole-block object, which becomes its place: a packed range it had before goes dead,
   * and its pack is deleted once nothing else points into it. Runs in `tx`.
   */
  private async recordIn(
    tx: MetaTx,
    namespaceId: number,
    tier: BlockTier,
    blocks: { hash: string; size: number }[],
    s3: { packed: Set<string>; held: Set<string> } = { packed: new Set(), held: new Set() },
  ): Promise<void> {
    const index = tx.tiers;
    const resident = (await index.placementOf(namespaceId)) === 's3';
    for (const { hash, size } of blocks) {
      if (tier === 's3') {
        const row = await index.block(hash);
        if (!s3.packed.has(hash)) {
          await index.recordS3(hash, size);
          if (!s3.held.has(hash)) await index.relocateS3(hash);
        }
        // A spare S3 copy of a block already home is swept later, unless residency needs it.
        if (row?.tier === 'inhouse' && !resident && !(await index.residentInS3(hash))) {
          await index.markForSweep(hash, Date.now() + this.graceMs);
        }
      } else {
        await index.recordInhouse(hash, size);
      }
    }
    await tx.addOwners(namespaceId, blocks.map((b) => b.hash));
  }

  private requireS3(operation: string): S3Tier {
    if (!this.deps.s3) throw new SyncError('unavailable', `${operation}: this server has no S3 tier (start it with --s3-bucket)`);
    return this.deps.s3;
  }
}

const nowSec = () => Math.floor(Date.now() / 1000);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface PackPlan {
  id: string;
  size: number;
  blocks: { hash: string; bytes: Buffer; offset: number }[];
}

/** Lays small blocks out in packs of at most PACK_MAX_BYTES, each with a fresh id. */
function packBlocks(blocks: { hash: string; bytes: Buffer }[]): PackPlan[] {
  const packs: PackPlan[] = [];
  let current: PackPlan | null = null;
  for (const { hash, bytes } of blocks) {
    if (!current || (current.size > 0 && current.size + bytes.length > PACK_MAX_BYTES)) {
      current = { id: newPackId(), size: 0, blocks: [] };
      packs.push(current);
    }
    current.blocks.push({ hash, bytes, offset: current.size });
    current.size += bytes.length;
  }
  return packs;
}

/** Time first, so a bucket listing shows packs in the order they were written. */
function newPackId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(10).toString('hex')}`;
}

function parseHashes(value: unknown, what: string): BlockHash[] {
  if (!Array.isArray(value)) throw new SyncError('bad_request', `${what}: "hashes" must be an array`);
  if (value.length > MAX_URL_HASHES) throw new SyncError('too_large', `${what}: at most ${MAX_URL_HASHES} hashes per request`);
  const bad = value.findIndex((h) => !isBlockHash(h));
  if (bad >= 0) throw new SyncError('bad_request', `${what}: hashes[${bad}] is not a lowercase hex SHA-256`);
  return [...new Set(value as BlockHash[])];
}

function parseTier(value: unknown, what: string): BlockTier | undefined {
  if (value === undefined) return undefined;
  if (value === 'inhouse' || value === 's3') return value;
  throw new SyncError('bad_request', `${what}: "tier" must be "inhouse" or "s3"`);
}

export function parseUrlsRequest(body: Record<string, unknown>): { op: 'put' | 'get'; hashes: BlockHash[]; tier?: BlockTier } {
  const what = 'block URLs';
  if (body.op !== 'put' && body.op !== 'get') throw new SyncError('bad_request', `${what}: "op" must be "put" or "get"`);
  return { op: body.op, hashes: parseHashes(body.hashes, what), tier: parseTier(body.tier, what) };
}

export function parseConfirmRequest(body: Record<string, unknown>): { tier: BlockTier; blocks: { hash: BlockHash; size: number }[] } {
  const what = 'confirm blocks';
  const tier = parseTier(body.tier, what);
  if (!tier) throw new SyncError('bad_request', `${what}: "tier" is required`);
  if (!Array.isArray(body.blocks)) throw new SyncError('bad_request', `${what}: "blocks" must be an array`);
  if (body.blocks.length > MAX_URL_HASHES) throw new SyncError('too_large', `${what}: at most ${MAX_URL_HASHES} blocks per request`);
  const blocks = body.blocks.map((b: unknown, i: number) => {
    const { hash, size } = (b ?? {}) as { hash?: unknown; size?: unknown };
    if (!isBlockHash(hash)) throw new SyncError('bad_request', `${what}: blocks[${i}].hash is not a lowercase hex SHA-256`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1 || size > BLOCK_SIZE) {
      throw new SyncError('bad_request', `${what}: blocks[${i}].size must be 1 to ${BLOCK_SIZE}`);
    }
    return { hash, size };
  });
  return { tier, blocks };
}

/** Runs `work` over `items`, `width` at a time; after a failure no new item starts, and it throws once all in flight have ended. */
async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      try {
        await work(items[next++]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}
