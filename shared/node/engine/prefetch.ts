// Fetches the blocks of files other devices are still uploading (the server's pending
// uploads), so a big file is mostly here when its commit lands instead of only starting
// then. Runs outside the sync cycle and writes only the download temp file the downloader
// would use (tempPathFor): never the base, the index or the user's files. Every block is
// hash-checked; the downloader takes over the temp file and the list of checked blocks
// (prefetch-registry.ts), and still decides alone what is renamed into place.

import { BLOCK_SIZE, isBlockHash, type BlockHash, type BlockRef } from '../../common/blocks.js';
import { hasCode } from '../../common/errors.js';
import type { PendingUpload } from '../../common/protocol.js';
import { giveBlockBuffer, takeBlockBuffer } from '../blocks/block-buffers.js';
import { contentHashOf } from '../blocks/content-hash.js';
import type { OpenFile } from '../fs/file-system.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { spaceBudget } from './disk-space.js';
import type { EngineDisk } from './engine-disk.js';
import { tempDir, tempPathFor } from './downloader.js';
import type { BlockLocation } from './index-store.js';
import { copyLocalRuns } from './local-copy.js';
import { fileStamp, type PrefetchRecord } from './prefetch-registry.js';
import { blockRefs } from './types.js';
import { realScheduler } from '../scheduler/real-scheduler.js';
import { pause, type Scheduler } from '../scheduler/scheduler.js';

export interface PrefetchOptions {
  disk: EngineDisk;
  root: string;
  remote: RemoteStore;
  /** This device's name: its own uploads are not fetched back. */
  device(): string;
  locate(hash: BlockHash): BlockLocation[];
  /** True when the folder already holds this content at that path (nothing to fetch). */
  have(upload: PendingUpload): boolean;
  minFreeBytes?: number;
  log?(line: string): void;
  /** First wait between checks for newly uploaded blocks. */
  pollMs?: number;
  /** A prefetch gives up after this long (the upload may never finish). */
  maxMs?: number;
  /** Called when what progress() answers has changed. */
  onProgress?(): void;
  /** The clock and timers its waits run on (default: Node's). */
  scheduler?: Scheduler;
}

/** Figures for status and tests. */
export interface PrefetchStats {
  started: number;
  blocks: number;
  bytes: number;
}

const BLOCKS_IN_FLIGHT = 4;
const MAX_RUNNING = 2;
/** First wait for more uploaded blocks, and the most it grows to while none arrive. */
const POLL_MS = 50;
const MAX_POLL_MS = 2000;
/** Blocks asked about per check (the server answers which of them are uploaded). */
const ASK_AHEAD = 64;
/** How often a waiting prefetch asks whether its upload is still pending. */
const RECHECK_MS = 1000;
/** Written bytes are handed to the disk every this many, so the final fsync has less to do. */
const SYNC_EVERY = 64 * 1024 * 1024;

export class Prefetcher {
  readonly stats: PrefetchStats = { started: 0, blocks: 0, bytes: 0 };
  /** The running prefetches by content hash; each record's `done` is its run. */
  private readonly running = new Map<string, PrefetchRecord>();
  /** Running prefetches whose upload has stalled (no new block for RECHECK_MS): not progress. */
  private readonly stalled = new Set<string>();
  private refreshing: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Paused with the engine: nothing starts, and running prefetches have stopped. */
  private paused = false;

  constructor(private readonly options: PrefetchOptions) {}

  /**
   * Reads the server's pending uploads and starts prefetches for new ones. Calls while one
   * runs are folded into one more run after it. Never rejects: a prefetch is only a hint.
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.startNew().catch((error) => this.options.log?.(`prefetch: ${(error as Error).message}`));
      } while (this.again && !this.halted);
    })().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Stops every prefetch of this folder and waits for them (blocks in flight finish). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.haltRunning();
  }

  /**
   * Stops every running prefetch and starts none until resume(): a paused client moves no
   * bytes. What they fetched stays in the temp files, vouched for, for later.
   */
  async pause(): Promise<void> {
    this.paused = true;
    await this.haltRunning();
  }

  /** With `halted` already set: lets a refresh under way end, stops the running prefetches, and waits for them. */
  private async haltRunning(): Promise<void> {
    await this.refreshing?.catch(() => undefined);
    await this.options.disk.prefetches.stopUnder(tempDir(this.options.root));
    await Promise.all([...this.running.values()].map((record) => record.done));
  }

  /** Files being fetched ahead of their commit, and the bytes they still lack. */
  progress(): { files: number; bytes: number } {
    let bytes = 0;
    let files = 0;
    for (const [contentHash, record] of this.running) {
      if (this.stalled.has(contentHash)) continue;
      files++;
      bytes += Math.max(0, record.size - record.verified.size * BLOCK_SIZE);
    }
    return { files, bytes };
  }

  /** Lets refresh() start prefetches again; the caller refreshes. */
  resume(): void {
    this.paused = false;
  }

  private get halted(): boolean {
    return this.stopped || this.paused;
  }

  private async pendingUploads(): Promise<PendingUpload[]> {
    const { remote } = this.options;
    if (!remote.pending) return [];
    try {
      return (await remote.pending()).uploads;
    } catch (error) {
      if (hasCode(error, 'not_found')) return []; // an older server
      throw error;
    }
  }

  private async startNew(): Promise<void> {
    if (this.halted) return;
    const uploads = (await this.pendingUploads()).filter((u) => this.wanted(u));
    for (const upload of uploads) {
      if (this.running.size >= MAX_RUNNING || this.halted) return;
      if (this.running.has(upload.contentHash)) continue;
      const space = await spaceBudget(this.options.disk.fs, this.options.root, this.options.minFreeBytes);
      if (!space.take(upload.size)) continue; // the downloader reports it when the commit lands
      const temp = tempPathFor(this.options.root, upload.contentHash);
      const record = this.options.disk.prefetches.start(temp, upload.contentHash, upload.size, upload.blocks.length);
      if (!record) continue;
      this.stats.started++;
      const run = this.fill(upload, temp, record)
        .catch((error) => this.options.log?.(`prefetch "${upload.path}": ${(error as Error).message}`))
        .finally(() => {
          record.finished = true;
          this.running.delete(upload.contentHash);
          this.stalled.delete(upload.contentHash);
          this.options.onProgress?.();
        });
      record.done = run;
      this.running.set(upload.contentHash, record);
      this.options.onProgress?.();
    }
  }

  /**
   * A well-formed multi-block upload from another device that this folder lacks. The
   * content hash names the temp file, so it must be the hash of the listed blocks.
   */
  private wanted(u: PendingUpload): boolean {
    if (typeof u !== 'object' || u === null || !Array.isArray(u.blocks) || u.blocks.length < 2) return false;
    if (!u.blocks.every(isBlockHash) || !Number.isSafeInteger(u.size)) return false;
    if (u.size <= (u.blocks.length - 1) * BLOCK_SIZE || u.size > u.blocks.length * BLOCK_SIZE) return false;
    if (u.device === this.options.device() || contentHashOf(u.blocks) !== u.contentHash) return false;
    return !this.options.have(u);
  }

  private async fill(upload: PendingUpload, temp: string, record: PrefetchRecord): Promise<void> {
    const { remote } = this.options;
    const { fs, folders } = this.options.disk;
    await folders.ensure(tempDir(this.options.root));
    const refs = blockRefs(upload.blocks, upload.size);
    const before = await fs.stat(temp).catch(() => null);
    const inherited = record.stamp !== null && before !== null && fileStamp(before) === record.stamp;
    if (!inherited) record.verified.clear();
    record.stamp = null; // nothing is vouched for while this run writes
    // A partial temp file from an earlier run, or a local file holding these blocks: checked.
    const lacking = inherited ? null : await copyLocalRuns(temp, refs, { fs, root: this.options.root, locate: (h) => this.options.locate(h) });
    const checkedIno = lacking ? (await fs.stat(temp).catch(() => null))?.ino : undefined;
    const handle = await fs.open(temp, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      const opened = await handle.stat();
      // The file the checks above read must be the one now open: else nothing of it counts.
      if (inherited && fileStamp(opened) !== fileStamp(before!)) record.verified.clear();
      const replaced = lacking !== null && opened.ino !== checkedIno;
      await handle.truncate(upload.size);
      if (lacking && !replaced) {
        const have = new Set(lacking);
        refs.forEach((ref, i) => !have.has(ref) && record.verified.add(i));
      }
      let remaining = refs.filter((_, i) => !record.verified.has(i));
      const buffers = Array.from({ length: Math.min(BLOCKS_IN_FLIGHT, refs.length) }, () => Buffer.from(takeBlockBuffer()));
      const clock = this.options.scheduler ?? realScheduler;
      const deadline = clock.now() + (this.options.maxMs ?? 10 * 60_000);
      let checked = clock.now();
      let progressed = clock.now();
      let wait = this.options.pollMs ?? POLL_MS;
      let unsynced = 0;
      const refused = new Set<BlockRef>();
      const syncs: Promise<void>[] = [];
      while (remaining.length > 0 && !record.stopping && !this.halted && clock.now() < deadline) {
        // Uploads go front to back: asking about the next few blocks is enough, and keeps
        // each check cheap for the server while it is busy storing them.
        const window = remaining.slice(0, ASK_AHEAD);
        const missing = new Set(await remote.missingBlocks([...new Set(window.map((r) => r.hash))]));
        const ready = window.filter((r) => !missing.has(r.hash));
        if (ready.length === 0) {
          if (clock.now() - progressed >= RECHECK_MS && !this.stalled.has(upload.contentHash)) {
            this.stalled.add(upload.contentHash);
            this.options.onProgress?.();
          }
          if (clock.now() - checked >= RECHECK_MS) {
            checked = clock.now();
            const still = (await this.pendingUploads()).some((u) => u.contentHash === upload.contentHash);
            if (!still) return; // committed (the downloader takes over) or abandoned
          }
          // An upload that stalls (its device gone) is asked about less and less often.
          await pause(clock, wait);
          wait = Math.min(wait * 1.5, MAX_POLL_MS);
          continue;
        }
        wait = this.options.pollMs ?? POLL_MS;
        const wrote = await this.fetchAll(ready, handle, record, upload.path, refused, buffers);
        if (wrote > 0) {
          progressed = clock.now();
          if (this.stalled.delete(upload.contentHash)) this.options.onProgress?.();
        }
        unsynced += wrote;
        if (unsynced >= SYNC_EVERY) {
          unsynced = 0;
          syncs.push(handle.datasync().catch(() => undefined));
        }
        // A block that is there but cannot be read (or is wrong) is left to the downloader.
        remaining = remaining.filter((r) => !record.verified.has(r.offset / BLOCK_SIZE) && !refused.has(r));
      }
      await Promise.all(syncs);
      // Every fetch has settled (fetchAll waits for all of them): the buffers are free.
      for (const buffer of buffers) giveBlockBuffer(buffer.buffer);
    } finally {
      // Vouches for the checked blocks as the file is now; any later change voids that.
      record.stamp = await handle.stat().then(fileStamp, () => null);
      await handle.close();
    }
  }

  /** Fetches `refs` into the temp file, a few in flight; returns the bytes written. Blocks it cannot get go to `refused`. */
  private async fetchAll(refs: BlockRef[], handle: OpenFile, record: PrefetchRecord, path: string, refused: Set<BlockRef>, buffers: Buffer[]): Promise<number> {
    let next = 0;
    let wrote = 0;
    // One reused block buffer per worker (see the downloader: fresh 4 MiB buffers cost more).
    const worker = async (buffer: Buffer) => {
      while (next < refs.length && !record.stopping && !this.halted) {
        const ref = refs[next++];
        let bytes: Buffer;
        try {
          bytes = await this.options.remote.getBlock(ref.hash, buffer); // hash-checked there
        } catch (error) {
          if (hasCode(error, 'unavailable') || hasCode(error, 'unauthorized')) {
            next = refs.length; // the server is gone: the other workers stop too
            throw error;
          }
          this.options.log?.(`prefetch "${path}": ${(error as Error).message}`);
          refused.add(ref);
          continue;
        }
        if (bytes.length !== ref.size) {
          refused.add(ref);
          continue;
        }
        await handle.write(bytes, 0, ref.size, ref.offset);
        record.verified.add(ref.offset / BLOCK_SIZE);
        wrote += ref.size;
        this.stats.blocks++;
        this.stats.bytes += ref.size;
        this.options.onProgress?.();
      }
    };
    // Every worker is done before the caller closes the file, even when one failed.
    const results = await Promise.allSettled(buffers.slice(0, refs.length).map(worker));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return wrote;
  }
}

