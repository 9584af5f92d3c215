// Wire types of the hybrid-storage routes (docs/protocol.md, "Tiers and signed URLs").
// The metadata service hands out short-lived URLs — signed ones on the in-house block
// service, presigned ones on S3 — so clients move block bytes without holding keys, and
// records a block for a namespace only once the bytes are confirmed to be there.

import type { BlockHash } from './blocks.js';
import type { BlockTier } from './tier-stats.js';

export type { BlockTier } from './tier-stats.js';

/**
 * POST /v1/blocks/urls
 * - op 'put': where to upload each hash. `tier` 's3' asks for the fallback tier (the client
 *   found the in-house service failing); without it the namespace's placement decides.
 *   Any hash may be uploaded: the bytes prove themselves.
 * - op 'get': where this namespace may read each hash, best source first. Hashes the
 *   namespace does not own — or that no tier holds — come back in `denied`, one answer for
 *   both, so a URL never reveals whether another namespace has a block. `tier` restricts
 *   the answer to one tier.
 */
export interface BlockUrlsRequest {
  op: 'put' | 'get';
  hashes: BlockHash[];
  tier?: BlockTier;
}

export interface BlockUrl {
  hash: BlockHash;
  tier: BlockTier;
  method: 'PUT' | 'GET';
  /** Absolute URL; send no Authorization header. A PUT sends the plain bytes with Content-Length. */
  url: string;
  /** Unix seconds after which the URL is refused. */
  expiresAt: number;
  /**
   * Present when the block is packed with others in one S3 object (small blocks): the URL
   * is the whole pack's, and the client GETs it with `Range: bytes=<offset>-<offset+length-1>`
   * and hash-checks what comes back, as for any block.
   */
  range?: { offset: number; length: number };
}

export interface BlockUrlsResponse {
  urls: BlockUrl[];
  denied: BlockHash[];
}

/**
 * POST /v1/blocks/confirm: after PUTting to URLs of `tier`, the client asks the metadata
 * service to record the blocks for its namespace. The service checks each object is there
 * with the stated size (and re-hashes it where affordable) before recording; `missing`
 * lists the ones it could not find, which the client must upload again.
 */
export interface ConfirmBlocksRequest {
  tier: BlockTier;
  blocks: { hash: BlockHash; size: number }[];
}

export interface ConfirmBlocksResponse {
  confirmed: BlockHash[];
  missing: BlockHash[];
}
