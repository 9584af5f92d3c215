// The in-house block tier on an S3-compatible cluster the operator runs (Ceph RADOS
// Gateway, MinIO…: `hsync server --inhouse-s3-bucket B …`). Blocks are objects at
// `<prefix>blocks/<sha256>`, written and read with the same codec as the public S3 tier
// (S3Tier), so both tiers agree on what an object holds. Only this server talks to the
// cluster: clients send in-house blocks through the block routes, which hash-check them
// before they are written, so no client ever holds a URL or a key for it.
// Failures map as the block service's do: unreachable or 5xx is 'unavailable', which
// sends clients to the public S3 fallback. The retention sweep frees objects no revision
// uses (free); this process remembers what it wrote lately, so the sweep leaves those.

import type { BlockHash } from '../../shared/common/blocks.js';
import type { BlockLocation } from '../blocks/block-files.js';
import type { StoredBlock } from '../blocks/get-blocks.js';
import { WriteMemory } from '../blocks/write-memory.js';
import { readEach, type InhouseStore } from './inhouse-store.js';
import type { S3Tier } from './s3-tier.js';

export class S3Inhouse implements InhouseStore {
  private readonly writes = new WriteMemory();

  constructor(private readonly cluster: S3Tier) {}

  get location(): string {
    const { endpoint } = this.cluster.config;
    return endpoint ? `${this.cluster.location} on ${endpoint}` : this.cluster.location;
  }

  /** Hash-checked by S3Tier.get: 'not_found' when absent, 'hash_mismatch' when corrupt. */
  read(hash: string, _where: BlockLocation | null): Promise<Buffer> {
    return this.cluster.get(hash as BlockHash);
  }

  readMany(found: ReadonlyMap<string, StoredBlock>): Promise<Map<string, Buffer>> {
    return readEach(this, found);
  }

  /**
   * Checks the hash, then PUTs the whole object (a corrupt copy is simply replaced); after a
   * deletion of it the sweep began, never beside it.
   */
  async write(hash: string, bytes: Buffer): Promise<void> {
    await this.writes.beforeWrite(hash);
    await this.cluster.put(hash as BlockHash, bytes);
  }

  /** True when this process wrote the block lately: its rows may not be recorded yet. */
  wroteLately(hash: string): boolean {
    return this.writes.wroteLately(hash);
  }

  /**
   * Deletes the block's object (the retention sweep, once its rows are gone): true when
   * freed or already absent, false when kept because it was written lately (an upload that
   * raced the sweep, for a commit that will name it). Registered before the first await, so
   * a write of the block that starts later waits until the deletion is done.
   */
  async free(hash: string): Promise<boolean> {
    if (this.writes.wroteLately(hash)) return false;
    await this.writes.free(hash, this.cluster.delete(hash as BlockHash));
    return true;
  }

  head(hash: string): Promise<number | null> {
    return this.cluster.head(hash as BlockHash);
  }

  healthy(): Promise<boolean> {
    return this.cluster.reachable();
  }
}
