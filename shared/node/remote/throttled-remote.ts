// A RemoteStore under the user's bandwidth caps: block uploads wait their turn before they
// go, block downloads after they arrived (their size is known only then), so bytes over
// time stay at the cap in each direction. Metadata calls are not capped: they are small,
// and a commit or long-poll held behind a big upload would only make the client look stuck.

import type { BlockHash } from '../../common/blocks.js';
import type { CommitChange, JournalEntry } from '../../common/protocol.js';
import { BandwidthLimit } from './bandwidth-limit.js';
import type { LongpollSeen, RemoteStore } from './remote-store.js';

export interface TransferLimits {
  up: BandwidthLimit;
  down: BandwidthLimit;
}

export class ThrottledRemote implements RemoteStore {
  constructor(
    private readonly inner: RemoteStore,
    private readonly limits: TransferLimits,
  ) {
    if (inner.pending) this.pending = () => inner.pending!();
    if (inner.wantedBlocks) this.wantedBlocks = () => inner.wantedBlocks!();
  }

  pending?: RemoteStore['pending'];
  wantedBlocks?: RemoteStore['wantedBlocks'];

  get url() {
    return this.inner.url;
  }
  get counters() {
    return this.inner.counters;
  }
  account() {
    return this.inner.account();
  }
  commit(device: string, changes: CommitChange[]) {
    return this.inner.commit(device, changes);
  }
  list(cursor: number, limit?: number) {
    return this.inner.list(cursor, limit);
  }
  longpoll(cursor: number, timeoutSec: number, signal?: AbortSignal, seen?: LongpollSeen) {
    return this.inner.longpoll(cursor, timeoutSec, signal, seen);
  }
  missingBlocks(hashes: BlockHash[]) {
    return this.inner.missingBlocks(hashes);
  }
  revisions(path: string): Promise<JournalEntry[]> {
    return this.inner.revisions(path);
  }
  restore(device: string, path: string, rev: number) {
    return this.inner.restore(device, path, rev);
  }

  async putBlock(hash: BlockHash, bytes: Uint8Array): Promise<void> {
    await this.limits.up.take(bytes.length);
    await this.inner.putBlock(hash, bytes);
  }

  async putBlocks(blocks: { hash: BlockHash; bytes: Uint8Array }[]): Promise<void> {
    await this.limits.up.take(blocks.reduce((sum, b) => sum + b.bytes.length, 0));
    await this.inner.putBlocks(blocks);
  }

  async getBlock(hash: BlockHash, into?: Buffer): Promise<Buffer> {
    const bytes = await this.inner.getBlock(hash, into);
    await this.limits.down.take(bytes.length);
    return bytes;
  }

  async getBlocks(hashes: BlockHash[]): Promise<Map<BlockHash, Buffer>> {
    const blocks = await this.inner.getBlocks(hashes);
    let total = 0;
    for (const bytes of blocks.values()) total += bytes.length;
    await this.limits.down.take(total);
    return blocks;
  }
}

/** The caps as settings hold them (KB/s, 1 KB = 1000 bytes, 0 = none). */
export interface LimitSettings {
  upLimitKBps: number;
  downLimitKBps: number;
}

export function transferLimits(settings: LimitSettings): TransferLimits {
  const limits = { up: new BandwidthLimit(), down: new BandwidthLimit() };
  applyLimits(limits, settings);
  return limits;
}

export function applyLimits(limits: TransferLimits, settings: LimitSettings): void {
  limits.up.set(settings.upLimitKBps * 1000);
  limits.down.set(settings.downLimitKBps * 1000);
}
