// The block service's routes: PUT/GET /v1/blocks/<hash>, POST /v1/blocks/missing,
// POST /v1/blocks/batch and POST /v1/blocks/get. It stores bytes and asks `ownership` who may use them; it keeps
// no other state about users, so it can later run as its own process.

import { pipeline } from 'node:stream/promises';
import { isBlockHash } from '../../shared/common/blocks.js';
import { MAX_BATCH_BYTES, MAX_GET_REQUEST_BYTES, MAX_MISSING_BYTES } from '../../shared/common/limits.js';
import { SyncError } from '../../shared/common/errors.js';
import type { BatchUploadResponse, MissingResponse } from '../../shared/common/protocol.js';
import { readBody, readJson } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import { callerOf, type Context, type Route } from '../http/router.js';
import type { MetaStore } from '../store/meta-store.js';
import type { NewBlock } from './block-index.js';
import { parseBatch } from './batch-upload.js';
import { sendAnswer, checkAnswerSize, parseGetRequest, readStored } from './get-blocks.js';
import type { BlockFiles } from './block-files.js';
import { receiveBlock } from './put-block.js';

export interface BlockServiceDeps {
  store: MetaStore;
  files: BlockFiles;
  /** Told of every verified upload, by namespace (a want it answers is healed: WantedBlocks.stored). */
  stored?: (namespaceId: number, hashes: readonly string[]) => Promise<void>;
}

export function blockRoutes(deps: BlockServiceDeps): Route[] {
  const { store, files } = deps;
  const stored = deps.stored ?? (async () => undefined);
  const hashParam = (ctx: Context): string => {
    const hash = ctx.params[0];
    if (!isBlockHash(hash)) throw new SyncError('bad_request', `block "${hash.slice(0, 80)}": not a lowercase hex SHA-256`);
    return hash;
  };

  return [
    {
      method: 'POST',
      path: '/v1/blocks/missing',
      auth: true,
      async handle(ctx) {
        const body = await readJson(ctx.req, MAX_MISSING_BYTES, 'missing blocks');
        const hashes = body.hashes;
        if (!Array.isArray(hashes)) throw new SyncError('bad_request', 'missing blocks: "hashes" must be an array');
        const bad = hashes.findIndex((h) => !isBlockHash(h));
        if (bad >= 0) throw new SyncError('bad_request', `missing blocks: hashes[${bad}] is not a lowercase hex SHA-256`);
        const namespaceId = callerOf(ctx).namespaceId;
        const missing = await store.missing(namespaceId, hashes as string[]);
        const answer: MissingResponse = { missing: missing as MissingResponse['missing'] };
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      method: 'POST',
      path: '/v1/blocks/batch',
      auth: true,
      async handle(ctx) {
        const namespaceId = callerOf(ctx).namespaceId;
        const body = await readBody(ctx.req, MAX_BATCH_BYTES, 'upload batch');
        const { records, error } = parseBatch(body);
        // Every record goes into the new pack, also a block stored before (by anyone): a
        // batch that skipped those would answer measurably faster and tell the uploader
        // that someone else has them. The verified bytes become the block's place, which
        // also repairs a copy that went bad or missing (docs/protocol.md).
        const placed: NewBlock[] = [];
        const parts: Buffer[] = [];
        const seen = new Set<string>();
        let offset = 0;
        for (const { hash, bytes } of records) {
          if (seen.has(hash)) continue;
          seen.add(hash);
          placed.push({ hash, size: bytes.length, pack: null, offset });
          parts.push(bytes);
          offset += bytes.length;
        }
        if (parts.length > 0) {
          const pack = await files.writePack(parts);
          for (const block of placed) block.pack = pack;
        }
        await store.transaction(async (tx) => {
          await tx.placeBlocks(placed);
          await tx.addOwners(namespaceId, records.map((r) => r.hash));
        });
        await stored(namespaceId, placed.map((b) => b.hash));
        if (error) {
          throw new SyncError(error.code, `${error.message} (the ${records.length} records before it are stored)`);
        }
        const answer: BatchUploadResponse = { stored: records.map((r) => r.hash) as BatchUploadResponse['stored'] };
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      // Before the /v1/blocks/<hash> patterns, which would take "get" for a hash.
      method: 'POST',
      path: '/v1/blocks/get',
      auth: true,
      async handle(ctx) {
        const hashes = parseGetRequest(await readJson(ctx.req, MAX_GET_REQUEST_BYTES, 'get blocks'));
        const namespaceId = callerOf(ctx).namespaceId;
        // Not owned and not stored look the same: both are answered absent.
        const found = await store.ownedBlocks(namespaceId, hashes);
        checkAnswerSize(found);
        sendAnswer(ctx.res, hashes, await readStored(files, found));
      },
    },
    {
      method: 'PUT',
      path: /^\/v1\/blocks\/([^/]*)$/,
      auth: true,
      async handle(ctx) {
        const hash = hashParam(ctx);
        const namespaceId = callerOf(ctx).namespaceId;
        // Written whether or not the block is stored already (put-block.ts): a re-upload
        // repairs a copy that went missing or bad, and the answer's timing tells nothing.
        const size = await receiveBlock(ctx.req, files, hash);
        const added = await store.transaction(async (tx) => {
          await tx.placeBlocks([{ hash, size, pack: null, offset: null }]);
          return tx.addOwners(namespaceId, [hash]);
        });
        await stored(namespaceId, [hash]);
        // 201/200 say whether this namespace owned the block before, never whether anyone stored it.
        sendJson(ctx.res, added > 0 ? 201 : 200, { hash, size });
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/blocks\/([^/]*)$/,
      auth: true,
      async handle(ctx) {
        const hash = hashParam(ctx);
        // The same answer whether or not another namespace holds the block.
        const where = (await store.owns(callerOf(ctx).namespaceId, hash)) ? await store.findBlock(hash) : null;
        if (!where) throw new SyncError('not_found', `download block ${hash}: no such block`);
        ctx.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': where.size });
        await pipeline(files.read(hash, where), ctx.res);
      },
    },
  ];
}
