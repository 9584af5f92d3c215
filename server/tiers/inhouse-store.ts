// The in-house block tier as the metadata side sees it: either the local block directory
// (the default single process) or a separate block service reached through signed URLs
// (`--role meta --block-service URL`). Reads always come back hash-checked, so a corrupt
// copy on disk is reported as 'hash_mismatch' and never handed on.

import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { SyncError } from '../../shared/common/errors.js';
import type { BlockFiles, BlockLocation } from '../blocks/block-files.js';
import { readStored, type StoredBlock } from '../blocks/get-blocks.js';

export interface InhouseStore {
  /** Where the bytes live, for messages: a directory or the block service's URL. */
  readonly location: string;
  /**
   * The block's bytes, hash-checked: 'not_found' if absent, 'hash_mismatch' if corrupt.
   * With `serving`, a store may read into its `into` buffer and skip the hash of a block
   * it wrote itself moments ago (see BlockFiles.readLoose); the scrubber never passes it.
   */
  read(hash: string, where: BlockLocation | null, serving?: ServingRead): Promise<Buffer>;
  /**
   * Many blocks at once (the multi-block read), each hash-checked; one that cannot be read
   * or is corrupt is left out, and the caller answers it absent.
   */
  readMany(found: ReadonlyMap<string, StoredBlock>): Promise<Map<string, Buffer>>;
  /** Stores (or, if the stored copy is corrupt, replaces) a block, durably. */
  write(hash: string, bytes: Buffer): Promise<void>;
  /** Stored size, or null when absent. */
  head(hash: string): Promise<number | null>;
  /** True when the store can be reached right now. */
  healthy(): Promise<boolean>;
}

export interface ServingRead {
  /** A buffer the bytes may be read into; the result is then a view of it. */
  into: Buffer;
}

export function checkBytes(hash: string, bytes: Buffer, source: string): Buffer {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== hash) {
    throw new SyncError('hash_mismatch', `read block ${hash} from ${source}: ${bytes.length} stored bytes hash to ${actual}`);
  }
  return bytes;
}

/**
 * readMany for a store reached over the network: one read per block, 8 at a time; a block
 * that fails is left out (answered absent).
 */
export async function readEach(store: InhouseStore, found: ReadonlyMap<string, StoredBlock>): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const hashes = [...found.keys()];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, hashes.length) }, async () => {
      while (next < hashes.length) {
        const hash = hashes[next++];
        const bytes = await store.read(hash, null).catch(() => null);
        if (bytes) out.set(hash, bytes);
      }
    }),
  );
  return out;
}

/** The data dir's own blocks/ folder (loose files and packs). */
export class LocalInhouse implements InhouseStore {
  constructor(private readonly files: BlockFiles) {}

  get location(): string {
    return this.files.blocksDir;
  }

  async read(hash: string, where: BlockLocation | null, serving?: ServingRead): Promise<Buffer> {
    const location = where ?? { size: -1, pack: null, offset: null };
    let bytes: Buffer;
    try {
      if (location.pack === null || location.offset === null) {
        const loose = await this.files.readLoose(hash, serving?.into);
        if (serving && loose.fresh) return loose.bytes;
        bytes = loose.bytes;
      } else {
        const handle = await open(this.files.packPath(location.pack), 'r');
        try {
          bytes = Buffer.alloc(location.size);
          const { bytesRead } = await handle.read(bytes, 0, location.size, location.offset);
          bytes = bytes.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new SyncError('not_found', `read block ${hash}: missing from ${this.location}`, { cause: error });
      }
      throw error;
    }
    return checkBytes(hash, bytes, this.location);
  }

  readMany(found: ReadonlyMap<string, StoredBlock>): Promise<Map<string, Buffer>> {
    return readStored(this.files, found);
  }

  async write(hash: string, bytes: Buffer): Promise<void> {
    checkBytes(hash, bytes, 'upload');
    const temp = await this.files.createTemp();
    try {
      await temp.write([bytes]);
      await this.files.commitLoose(temp, hash);
    } catch (error) {
      await temp.discard();
      throw error;
    }
  }

  async head(hash: string): Promise<number | null> {
    try {
      return (await stat(this.files.loosePath(hash))).size;
    } catch {
      return null;
    }
  }

  async healthy(): Promise<boolean> {
    return true;
  }
}
