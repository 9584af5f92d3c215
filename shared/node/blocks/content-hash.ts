// Dropbox's content_hash: SHA-256 over the concatenated raw 32-byte SHA-256 digests of
// the file's 4 MiB blocks, hex. An empty file has no blocks, so it hashes nothing.

import { createHash } from 'node:crypto';
import type { BlockHash, ContentHash } from '../../common/blocks.js';

/** Combines block hashes (hex, in file order) into the file's content hash. */
export function contentHashOf(blockHashes: readonly string[]): ContentHash {
  const outer = createHash('sha256');
  for (const hex of blockHashes) outer.update(Buffer.from(hex, 'hex'));
  return outer.digest('hex') as ContentHash;
}

/** SHA-256 of one block's bytes, lowercase hex. */
export function blockHashOf(bytes: Uint8Array): BlockHash {
  return createHash('sha256').update(bytes).digest('hex') as BlockHash;
}
