// Block math shared by every layer: sizes, counts and hash validation.
// Hashing itself needs node:crypto for speed, so it lives in shared/node/blocks/.

/** Every block but a file's last is exactly this long (4 MiB), as in Dropbox's content_hash. */
export const BLOCK_SIZE = 4 * 1024 * 1024;

/** Lowercase hex SHA-256 of a block's bytes: the block's key everywhere. */
export type BlockHash = string & { readonly __brand: 'BlockHash' };

/** Content hash of a whole file (SHA-256 over the concatenated raw block digests), hex. */
export type ContentHash = string & { readonly __brand: 'ContentHash' };

/** SHA-256 of zero bytes: the content hash of an empty file, which has no blocks. */
export const EMPTY_CONTENT_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' as ContentHash;

const HEX64 = /^[0-9a-f]{64}$/;

/** True when `value` is a well-formed block or content hash (64 lowercase hex digits). */
export function isBlockHash(value: unknown): value is BlockHash {
  return typeof value === 'string' && HEX64.test(value);
}

/** Number of blocks of a file of `size` bytes: 0 for empty, N (not N+1) for N × 4 MiB. */
export function blockCount(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`block count: bad size ${size}`);
  return Math.ceil(size / BLOCK_SIZE);
}

/** Byte range [offset, offset+size) of block `index` in a file of `fileSize` bytes. */
export function blockRange(index: number, fileSize: number): { offset: number; size: number } {
  const offset = index * BLOCK_SIZE;
  if (index < 0 || offset >= fileSize) throw new RangeError(`block range: index ${index} outside ${fileSize} bytes`);
  return { offset, size: Math.min(BLOCK_SIZE, fileSize - offset) };
}

/** One block of a file: where it sits and what it hashes to. */
export interface BlockRef {
  offset: number;
  size: number;
  hash: BlockHash;
}
