// The hybrid-storage routes of the metadata service (docs/protocol.md, "Tiers"):
// POST /v1/blocks/urls, POST /v1/blocks/confirm, GET /v1/blocks/wanted and GET /v1/stats;
// and the block routes
// made tier-aware: reads (single and multi-block) are hash-checked and may come from S3
// (packed small blocks a pack run per ranged GET), and writes of an
// s3-placement namespace (or of the metadata role, whose blocks live on the block
// service) go where they belong. Routes this module does not change are passed through.

import { BLOCK_SIZE, isBlockHash } from '../../shared/common/blocks.js';
import { SyncError, hasCode } from '../../shared/common/errors.js';
import type { BatchUploadResponse, WantedResponse } from '../../shared/common/protocol.js';
import type { StatsResponse } from '../../shared/common/tier-stats.js';
import { parseBatch } from '../blocks/batch-upload.js';
import { sendAnswer, checkAnswerSize, parseGetRequest, type StoredBlock } from '../blocks/get-blocks.js';
import { readBody, readJson } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import { callerOf, type Context, type Route } from '../http/router.js';
import { readManyFromS3 } from './pack-runs.js';
import { DEFAULT_PRICES, tierStats } from './tier-cost.js';
import type { S3Location } from './tier-index.js';
import type { TierService } from './tier-service.js';
import type { WantedBlocks } from './wanted-blocks.js';

const MAX_JSON = 1024 * 1024;
const MAX_BATCH_BYTES = 64 * 1024 * 1024;

export interface TierRouteOptions {
  /** True when in-house blocks live on the block service (`--role meta`) or an S3-compatible cluster, not under --data. */
  split: boolean;
  /** Blocks the namespaces' devices are asked to upload again; uploads here heal them. */
  wanted: WantedBlocks;
  prices?: { inhouse: number; s3: number };
}

/** New routes, to be placed before the block routes. */
export function tierRoutes(service: TierService, options: TierRouteOptions): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/blocks/urls',
      auth: true,
      async handle(ctx) {
        const body = await readJson(ctx.req, MAX_JSON, 'block URLs');
        sendJson(ctx.res, 200, await service.urls(callerOf(ctx).namespaceId, body));
      },
    },
    {
      method: 'POST',
      path: '/v1/blocks/confirm',
      auth: true,
      async handle(ctx) {
        const body = await readJson(ctx.req, MAX_JSON, 'confirm blocks');
        const namespaceId = callerOf(ctx).namespaceId;
        const answer = await service.confirm(namespaceId, body);
        await options.wanted.stored(namespaceId, answer.confirmed);
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      // Before the block routes, whose GET /v1/blocks/<hash> would take "wanted" for a hash.
      method: 'GET',
      path: '/v1/blocks/wanted',
      auth: true,
      async handle(ctx) {
        const answer: WantedResponse = { wanted: (await options.wanted.list(callerOf(ctx).namespaceId)) as WantedResponse['wanted'] };
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      method: 'GET',
      path: '/v1/stats',
      auth: true,
      async handle(ctx) {
        // The caller's own share only (docs/hybrid-storage.md, "GET /v1/stats").
        const { namespaceId } = callerOf(ctx);
        const stats = tierStats(await service.index.namespaceCounts(namespaceId), options.prices ?? DEFAULT_PRICES);
        const answer: StatsResponse = { ...stats, placement: await service.index.placementOf(namespaceId) };
        sendJson(ctx.res, 200, answer);
      },
    },
  ];
}

/**
 * The block routes with tier behaviour: GET always goes through the tier service (hash
 * checked, S3 when that is where the block lives); PUT and batch go to S3 for an
 * s3-placement namespace and to the block service in split mode, and to the original
 * local handlers otherwise.
 */
export function tieredBlockRoutes(original: Route[], service: TierService, options: TierRouteOptions): Route[] {
  const isBlockPath = (r: Route) => r.path instanceof RegExp && r.path.source.includes('blocks');
  return original.map((route): Route => {
    if (route.method === 'GET' && isBlockPath(route)) {
      return { ...route, handle: (ctx) => getBlock(ctx, service, options.wanted) };
    }
    if (route.method === 'PUT' && isBlockPath(route)) {
      return {
        ...route,
        async handle(ctx) {
          const target = await targetOf(ctx, service, options);
          if (target === 'local') return route.handle(ctx);
          const hash = hashOf(ctx);
          const bytes = await readBody(ctx.req, BLOCK_SIZE, `upload block ${hash}`);
          const namespaceId = callerOf(ctx).namespaceId;
          const had = await service.deps.store.owns(namespaceId, hash);
          if (target === 's3') await service.storeS3(namespaceId, hash, bytes);
          else await service.storeInhouse(namespaceId, hash, bytes);
          await options.wanted.stored(namespaceId, [hash]);
          sendJson(ctx.res, had ? 200 : 201, { hash, size: bytes.length });
        },
      };
    }
    if (route.method === 'POST' && route.path === '/v1/blocks/get' && (options.split || service.deps.s3)) {
      // With an S3 tier or a separate block service, blocks live beyond this disk: read every tier.
      return { ...route, handle: (ctx) => getBlocks(ctx, service) };
    }
    if (route.method === 'POST' && route.path === '/v1/blocks/batch') {
      return {
        ...route,
        async handle(ctx) {
          const target = await targetOf(ctx, service, options);
          if (target === 'local') return route.handle(ctx);
          const namespaceId = callerOf(ctx).namespaceId;
          const body = await readBody(ctx.req, MAX_BATCH_BYTES, 'upload batch');
          const { records, error } = parseBatch(body);
          // parseBatch hash-checked every record: storeMany need not hash them again.
          if (target === 's3') await service.storeMany(namespaceId, 's3', records, { verified: true });
          else await storeBatchInhouse(service, namespaceId, records);
          await options.wanted.stored(namespaceId, records.map((r) => r.hash));
          if (error) throw new SyncError(error.code, `${error.message} (the ${records.length} records before it are stored)`);
          const answer: BatchUploadResponse = { stored: records.map((r) => r.hash) as BatchUploadResponse['stored'] };
          sendJson(ctx.res, 200, answer);
        },
      };
    }
    return route;
  });
}

/**
 * A batch of an in-house namespace in split mode: to the block service, or — when it is
 * down or full and S3 is configured — into S3 packs right here, since this service holds
 * the bytes already (the client would otherwise PUT each small block to S3 on its own).
 * Repatriation brings them home later like any fallback block.
 */
async function storeBatchInhouse(service: TierService, namespaceId: number, records: { hash: string; bytes: Buffer }[]): Promise<void> {
  try {
    await service.storeMany(namespaceId, 'inhouse', records, { verified: true });
  } catch (error) {
    const down = hasCode(error, 'unavailable') || hasCode(error, 'disk_full');
    if (!down || !service.deps.s3) throw error;
    await service.storeMany(namespaceId, 's3', records, { verified: true });
  }
}

function hashOf(ctx: Context): string {
  const hash = ctx.params[0];
  if (!isBlockHash(hash)) throw new SyncError('bad_request', `block "${hash.slice(0, 80)}": not a lowercase hex SHA-256`);
  return hash;
}

async function targetOf(ctx: Context, service: TierService, options: TierRouteOptions): Promise<'local' | 's3' | 'remote'> {
  if ((await service.index.placementOf(callerOf(ctx).namespaceId)) === 's3') return 's3';
  return options.split ? 'remote' : 'local';
}

async function getBlock(ctx: Context, service: TierService, wanted: WantedBlocks): Promise<void> {
  const hash = hashOf(ctx);
  const namespaceId = callerOf(ctx).namespaceId;
  // The same answer whether or not another namespace holds the block.
  if (!(await service.deps.store.owns(namespaceId, hash))) {
    throw new SyncError('not_found', `download block ${hash}: no such block`);
  }
  const into = spareReadBuffers.pop() ?? Buffer.allocUnsafe(BLOCK_SIZE);
  let bytes: Buffer;
  try {
    bytes = await service.read(hash, { into });
  } catch (error) {
    spareReadBuffers.push(into);
    // A copy found corrupt or missing is now wanted: the namespace's devices hear of it.
    if (hasCode(error, 'hash_mismatch') || hasCode(error, 'not_found')) await wanted.readFailed(namespaceId);
    throw error;
  }
  // Reused once the answer is handed to the kernel ('finish'); an answer cut short drops it.
  if (bytes.buffer === into.buffer) ctx.res.once('finish', () => spareReadBuffers.length < SPARE_READ_BUFFERS && spareReadBuffers.push(into));
  else spareReadBuffers.push(into);
  ctx.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
  ctx.res.end(bytes);
}

/**
 * 4 MiB buffers for single-block GETs, kept between requests: a fresh one per block costs
 * its page faults every time (1 GiB of downloads: over a second of CPU on this machine's
 * 2 cores), a reused one nothing.
 */
const spareReadBuffers: Buffer[] = [];
const SPARE_READ_BUFFERS = 8;

/**
 * POST /v1/blocks/get across tiers (docs/protocol.md): owned in-house blocks from the
 * in-house store, S3-held ones a pack run per ranged GET, every block hash-checked; what
 * cannot be served is answered absent and the client asks GET /v1/blocks/<hash>, which
 * gives the reason (and heals from the other tier where it can).
 */
async function getBlocks(ctx: Context, service: TierService): Promise<void> {
  const hashes = parseGetRequest(await readJson(ctx.req, MAX_JSON, 'get blocks'));
  const namespaceId = callerOf(ctx).namespaceId;
  const { store, inhouse } = service.deps;
  // Not owned and not stored look the same: both are answered absent.
  const found = await store.ownedBlocks(namespaceId, hashes);
  const inhouseRows = new Map<string, StoredBlock>();
  const inS3: S3Location[] = [];
  for (const [hash, row] of found) {
    if (row.tier === 'inhouse') inhouseRows.set(hash, row);
    else {
      const where = await store.tiers.s3Location(hash);
      if (where) inS3.push(where);
    }
  }
  checkAnswerSize(found);
  const [home, cloud] = await Promise.all([
    inhouse.readMany(inhouseRows),
    service.deps.s3 && inS3.length > 0 ? readManyFromS3(service, inS3) : new Map<string, Buffer>(),
  ]);
  for (const [hash, bytes] of cloud) home.set(hash, bytes);
  sendAnswer(ctx.res, hashes, home);
}
