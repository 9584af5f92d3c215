// Fetches the blocks of many small downloads ahead of the files that need them, hundreds
// per request (RemoteStore.getBlocks) instead of one request per file, and only a few
// requests ahead of the files being written, so memory stays bounded. Blocks come back
// hash-checked by the remote. A block the batch did not bring is answered null, and the
// caller fetches it the ordinary way (getBlock), which knows every fallback and reason.

import type { BlockHash } from '../../common/blocks.js';
import { hasCode } from '../../common/errors.js';
import type { RemoteStore } from '../remote/remote-store.js';

export interface PrefetchOptions {
  /** Most blocks per request. */
  maxBlocks?: number;
  /** Most bytes per request (the sum of the blocks' sizes). */
  maxBytes?: number;
  /** Requests started ahead of the one being consumed. */
  ahead?: number;
}

interface Chunk {
  hashes: BlockHash[];
  result: Promise<Map<BlockHash, Buffer>> | null;
}

export class BlockPrefetch {
  private readonly chunks: Chunk[] = [];
  private readonly chunkOf = new Map<BlockHash, number>();
  /** How many takes each hash still expects (files sharing content share one block). */
  private readonly uses = new Map<BlockHash, number>();
  private readonly ahead: number;

  /** `wanted` in the order the blocks will be taken. */
  constructor(
    private readonly remote: Pick<RemoteStore, 'getBlocks'>,
    wanted: readonly { hash: BlockHash; size: number }[],
    options: PrefetchOptions = {},
  ) {
    const maxBlocks = options.maxBlocks ?? 1024;
    const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.ahead = options.ahead ?? 2;
    let current: Chunk | null = null;
    let bytes = 0;
    for (const { hash, size } of wanted) {
      this.uses.set(hash, (this.uses.get(hash) ?? 0) + 1);
      if (this.chunkOf.has(hash)) continue;
      if (!current || current.hashes.length >= maxBlocks || bytes + size > maxBytes) {
        current = { hashes: [], result: null };
        this.chunks.push(current);
        bytes = 0;
      }
      current.hashes.push(hash);
      bytes += size;
      this.chunkOf.set(hash, this.chunks.length - 1);
    }
  }

  /** Starts the first requests; later ones start as blocks are taken. */
  start(): void {
    for (let i = 0; i <= this.ahead && i < this.chunks.length; i++) this.fetch(i);
  }

  /**
   * The block's bytes, or null when it was not prefetched or the server left it out.
   * Rejects only when the server is unreachable or refuses the token ('unavailable',
   * 'unauthorized'): those stop the whole cycle anyway.
   */
  async take(hash: BlockHash): Promise<Buffer | null> {
    const index = this.chunkOf.get(hash);
    if (index === undefined) return null;
    for (let i = index; i <= index + this.ahead && i < this.chunks.length; i++) this.fetch(i);
    const found = await this.chunks[index].result!;
    const bytes = found.get(hash) ?? null;
    const left = (this.uses.get(hash) ?? 1) - 1;
    this.uses.set(hash, left);
    if (left <= 0) found.delete(hash); // written: let the buffer go
    return bytes;
  }

  private fetch(index: number): void {
    const chunk = this.chunks[index];
    if (chunk.result) return;
    chunk.result = this.remote.getBlocks(chunk.hashes).catch((error: unknown) => {
      if (hasCode(error, 'unavailable') || hasCode(error, 'unauthorized')) throw error;
      // A wrong block, an older server without the route: each block goes the single way,
      // where its own error (if any) lands on its own file.
      return new Map<BlockHash, Buffer>();
    });
    chunk.result.catch(() => undefined); // awaited by take(); never an unhandled rejection
  }
}
