// POST /v1/blocks/get: many blocks in one answer, the mirror of the batch upload, so a
// client fetching thousands of small files pays a few requests instead of one per file.
// Same rules as GET /v1/blocks/<hash>: only blocks the caller's namespace owns, and every
// block re-hashed before it is sent. The route here reads this process's own disk; with
// an S3 tier or a separate block service, server/tiers/tier-routes.ts answers it from every
// tier with the same helpers. A block that cannot be served (missing, corrupt) is answered
// "absent", and the client asks for it alone; the single GET gives the reason.

import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { open, readFile } from 'node:fs/promises';
import { isBlockHash } from '../../shared/common/blocks.js';
import { SyncError } from '../../shared/common/errors.js';
import { MAX_GET_BYTES, MAX_GET_HASHES } from '../../shared/common/limits.js';
import { BLOCKS_GET_ABSENT } from '../../shared/common/protocol.js';
import type { BlockFiles } from './block-files.js';

const what = 'get blocks';

/** Pack ranges closer than this are read with one read call. */
const COALESCE_GAP = 64 * 1024;
/** Largest single read when coalescing neighbouring pack ranges. */
const COALESCE_MAX = 8 * 1024 * 1024;
/** Pack or loose files read at once for one request. */
const FILES_AT_ONCE = 16;

/** Where a block is stored, as far as this process's disk is concerned. */
export interface StoredBlock {
  size: number;
  /** Only 'inhouse' blocks are read here. */
  tier: string;
  pack: string | null;
  offset: number | null;
}

/** The requested hashes (repeats kept, in order); throws 'bad_request' / 'too_large'. */
export function parseGetRequest(body: Record<string, unknown>): string[] {
  const hashes = body.hashes;
  if (!Array.isArray(hashes)) throw new SyncError('bad_request', `${what}: "hashes" must be an array`);
  if (hashes.length > MAX_GET_HASHES) throw new SyncError('too_large', `${what}: ${hashes.length} hashes is over the limit of ${MAX_GET_HASHES}`);
  const bad = hashes.findIndex((h) => !isBlockHash(h));
  if (bad >= 0) throw new SyncError('bad_request', `${what}: hashes[${bad}] is not a lowercase hex SHA-256`);
  return hashes as string[];
}

/** Refuses a request whose blocks add up to more than one answer may carry. */
export function checkAnswerSize(found: ReadonlyMap<string, StoredBlock>): void {
  let total = 0;
  for (const block of found.values()) total += block.size;
  if (total > MAX_GET_BYTES) {
    throw new SyncError('too_large', `${what}: the blocks asked for hold ${total} bytes, over the limit of ${MAX_GET_BYTES}; ask in smaller requests`);
  }
}

/**
 * Reads and hash-checks the blocks in `found` (hash → location); returns the good ones.
 * A read error or a wrong hash leaves the block out (it is then answered absent).
 */
export async function readStored(files: BlockFiles, found: ReadonlyMap<string, StoredBlock>): Promise<Map<string, Buffer>> {
  const bytes = new Map<string, Buffer>();
  const byPack = new Map<string, { hash: string; offset: number; size: number }[]>();
  const loose: string[] = [];
  for (const [hash, where] of found) {
    if (where.tier !== 'inhouse') continue;
    if (where.size === 0) bytes.set(hash, Buffer.alloc(0));
    else if (where.pack === null || where.offset === null) loose.push(hash);
    else {
      const list = byPack.get(where.pack) ?? [];
      list.push({ hash, offset: where.offset, size: where.size });
      byPack.set(where.pack, list);
    }
  }
  const reads: (() => Promise<void>)[] = [
    ...[...byPack].map(([pack, blocks]) => () => readPack(files.packPath(pack), blocks, bytes)),
    ...loose.map((hash) => async () => {
      const data = await readFile(files.loosePath(hash)).catch(() => null);
      if (data) bytes.set(hash, data);
    }),
  ];
  // A few files open at once, however many packs and loose blocks the request touches.
  let next = 0;
  const reader = async () => {
    while (next < reads.length) await reads[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(FILES_AT_ONCE, reads.length) }, reader));
  for (const [hash, data] of bytes) {
    if (createHash('sha256').update(data).digest('hex') !== hash) bytes.delete(hash);
  }
  return bytes;
}

/** Reads blocks of one pack, neighbouring ranges together (a batch upload lays them side by side). */
async function readPack(path: string, blocks: { hash: string; offset: number; size: number }[], out: Map<string, Buffer>): Promise<void> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return;
  try {
    blocks.sort((a, b) => a.offset - b.offset);
    let i = 0;
    while (i < blocks.length) {
      const start = blocks[i].offset;
      let end = start + blocks[i].size;
      let j = i + 1;
      while (j < blocks.length && blocks[j].offset - end <= COALESCE_GAP && blocks[j].offset + blocks[j].size - start <= COALESCE_MAX) {
        end = Math.max(end, blocks[j].offset + blocks[j].size);
        j++;
      }
      const span = Buffer.allocUnsafe(end - start);
      const { bytesRead } = await handle.read(span, 0, span.length, start);
      for (; i < j; i++) {
        const { hash, offset, size } = blocks[i];
        // A pack cut short (a damaged disk) leaves the block out rather than answering short.
        if (offset + size - start <= bytesRead) out.set(hash, span.subarray(offset - start, offset - start + size));
      }
    }
  } finally {
    await handle.close();
  }
}

/** The answer body: one record per requested hash, in order; see GetBlocksRequest. */
export function answerParts(hashes: readonly string[], bytes: ReadonlyMap<string, Buffer>): Buffer[] {
  const parts: Buffer[] = [];
  for (const hash of hashes) {
    const data = bytes.get(hash);
    const header = Buffer.allocUnsafe(36);
    header.write(hash, 0, 32, 'hex');
    header.writeUInt32BE(data ? data.length : BLOCKS_GET_ABSENT, 32);
    parts.push(header);
    if (data && data.length > 0) parts.push(data);
  }
  return parts;
}

/**
 * Sends the answer for `hashes` in one response with its Content-Length. Each block is read
 * once however often it is asked for, but every repeat is sent, so the answer's size counts
 * repeats: 4,096 asks for one 4 MiB block would be 16 GiB, and are refused (413).
 */
export function sendAnswer(res: ServerResponse, hashes: readonly string[], bytes: ReadonlyMap<string, Buffer>): void {
  let blockBytes = 0;
  for (const hash of hashes) blockBytes += bytes.get(hash)?.length ?? 0;
  if (blockBytes > MAX_GET_BYTES) {
    throw new SyncError('too_large', `${what}: the answer would carry ${blockBytes} bytes of blocks (repeats counted), over the limit of ${MAX_GET_BYTES}; ask in smaller requests`);
  }
  const parts = answerParts(hashes, bytes);
  let length = 0;
  for (const part of parts) length += part.length;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': length });
  res.cork();
  for (const part of parts) res.write(part);
  res.uncork();
  res.end();
}
