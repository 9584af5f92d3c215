// The sync engine for one folder: guards, pull, scan, plan, execute, in cycles that never
// overlap. Remote changes arrive by long-poll, local ones by watcher hints; a periodic full
// rescan is the truth. Every dependency comes in through EngineOptions.

import { join } from 'node:path';
import { SyncError, hasCode, toErrorData, type ErrorData } from '../../common/errors.js';
import { pathProblem } from '../../common/paths.js';
import { DEFAULT_POLL_INTERVAL_MS, type ServerFolder, type SyncStatus } from '../../common/sync-api.js';
import { isStorageWait, problemsTitle } from '../../common/status-words.js';
import type { FileSystem } from '../fs/file-system.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { reuploadWanted } from './block-repair.js';
import { execute, type ExecutorContext } from './executor.js';
import { removeStaleTemp } from './downloader.js';
import { engineDisk, type EngineDisk } from './engine-disk.js';
import { checkFolder, makeReservedDir } from './folder-guard.js';
import { IGNORE_FILE, makeIgnoreRules, readIgnoreText, type IgnoreRules } from './ignore-rules.js';
import { releaseMemory } from './idle-memory.js';
import { IndexStore } from './index-store.js';
import { LinkedFolders } from './linked-folders.js';
import { sweepTrash, trashCapFor } from './local-trash.js';
import { probeCaseInsensitive } from './local-names.js';
import { pullPages } from './pull-pages.js';
import { heldDeletesStatus, keepLocalCopies } from './held-deletes.js';
import { DEFAULT_PLAN_OPTIONS, plan, type Plan, type PlanOptions } from './planner.js';
import { Prefetcher } from './prefetch.js';
import { Scanner } from './scanner.js';
import { cleanFolderPath, ExcludedFolders, type FolderSelection } from './selective-sync.js';
import { listServerFolders } from './server-folders.js';
import { StatusTracker } from './status-tracker.js';
import type { LocalEntry, Op } from './types.js';
import { watchFolder, type HintWatcher } from './watcher.js';
import { realScheduler } from '../scheduler/real-scheduler.js';
import { pause, type Scheduler, type Timer } from '../scheduler/scheduler.js';

export interface EngineOptions {
  /** Absolute path of the synced folder. */
  root: string;
  /** Where the index lives (one state dir per synced root). */
  stateDir: string;
  /**
   * The synced folder's file system (default: the real disk); the simulation passes an
   * in-memory one (docs/engine.md "The file-system port"). The index stays on the real disk.
   */
  fs?: FileSystem;
  remote: RemoteStore;
  device: string;
  /** The clock for file times and status (default: the scheduler's). */
  now?: () => number;
  /**
   * Every timer the engine sets (rescans, retries, backoff, waits, the status throttle, the
   * watcher's debounce; default: Node's). The simulation passes one that fires them in
   * simulated time (docs/engine.md "The scheduler port").
   */
  scheduler?: Scheduler;
  log?: (line: string) => void;
  /** Watch the folder and long-poll the server (start()); off for one-shot use. */
  watch?: boolean;
  rescanIntervalMs?: number;
  longpollSec?: number;
  debounceMs?: number;
  plan?: Partial<PlanOptions>;
  /** Bytes to keep free on the folder's disk; downloads stop short of it (default: 1 % of the disk). */
  minFreeBytes?: number;
  /** Whose name rules apply (default process.platform); tests pass 'win32' (docs/engine.md "Names"). */
  platform?: string;
  /** Whether the root's disk ignores letter case (default: probed once in the root). */
  caseInsensitive?: boolean;
  /** The local trash's size cap (default: trashCap of the root's disk, local-trash.ts). */
  trashCapBytes?: number;
  /** The folder watcher; tests swap in one that fails like an exhausted inotify. */
  watchFolder?: typeof watchFolder;
  /** Look for local changes by polling (network and FUSE folders send no events); setPolling switches it. */
  poll?: boolean;
  /** How often polling checks each path, ms (default DEFAULT_POLL_INTERVAL_MS); setPolling changes it. */
  pollIntervalMs?: number;
}

/** How a one-shot sync ended: agreed, or the one-line reason it did not. */
export interface SyncOutcome {
  agreed: boolean;
  reason: string | null;
}

const MAX_ROUNDS = 8;
/** The index's meta key that keeps the excluded folders (a JSON list) across restarts. */
const EXCLUDED_KEY = 'excludedFolders';
const INCLUDED_KEY = 'includedFolders';
/** How soon files waiting for the in-house store are tried again by a running client. */
const STORAGE_RETRY_MS = 10_000;
/** Partial downloads older than this are deleted at start; younger ones are resumed. */
const TEMP_MAX_AGE_MS = 24 * 3600_000;
/** One-shot syncs look again this many times at a file still being written before giving up. */
const ONCE_WAITS = 3;

export class SyncEngine {
  /** The synced folder's file system and this engine's own memory of it. */
  readonly disk: EngineDisk;
  readonly index: IndexStore;
  readonly status: StatusTracker;
  readonly local = new Map<string, LocalEntry>();
  /** Fetches other devices' uploads while they are still under way (long-running client only). */
  readonly prefetcher: Prefetcher;
  device: string;
  private readonly scanner: Scanner;
  private rules: IgnoreRules;
  /** The `.hsyncignore` text `rules` were made from. */
  private rulesText: string;
  /** Folders this device does not sync (docs/engine.md "Selective sync"), kept in the index. */
  private excluded: ExcludedFolders;
  private readonly now: () => number;
  private readonly scheduler: Scheduler;
  private readonly planOptions: PlanOptions;
  private deletesConfirmed = false;
  private heldDeletes: string[] = [];
  private remoteDeletesConfirmed = false;
  private heldRemoteDeletes: string[] = [];
  private lastPlan: Plan | null = null;
  private paused = false;
  private accountChecked = false;
  private running: Promise<void> = Promise.resolve();
  private wantFull = true;
  private readonly hints = new Set<string>();
  private scheduled = false;
  private stopping = false;
  private stopped = false;
  private tempCleaned = false;
  /** Folders that are links: out of scope, their remote files reported (docs/engine.md "Symlinks"). */
  private readonly linked = new LinkedFolders();
  /** Probed at the first cycle, once the root is known to be there. */
  private caseInsensitive: boolean | null = null;
  /** Old partial downloads are gone: from now on only the downloader and prefetches touch tmp/. */
  private tempReady = false;
  private watcher: HintWatcher | null = null;
  /** start() ran with watching on: setPolling replaces the watcher. */
  private watching = false;
  private polling: boolean;
  private pollIntervalMs: number;
  private timers: Timer[] = [];
  private poll: AbortController | null = null;
  private pollLoop: Promise<void> | null = null;
  private offlineDelay = 1000;
  private waitingDelay = 500;
  /** The next full scan hashes every file: the last client stopped uncleanly (IndexStore.uncleanStop). */
  private rehashAll: boolean;
  /** A full scan ran in this cycle: its garbage is worth collecting once idle. */
  private scannedAll = false;
  /** The newest pending-upload seq the long-poll reported (0: none seen yet). */
  private pendingSeq = 0;
  /** How many blocks the server wanted again at the last long-poll (0: none, or not asked yet). */
  private wantedSeen = 0;
  /** The server's count of changes to the wanted list at the last long-poll (LongpollResponse.wantedSeq). */
  private wantedSeq = 0;

  constructor(private readonly options: EngineOptions) {
    this.device = options.device;
    this.scheduler = options.scheduler ?? realScheduler;
    this.now = options.now ?? this.scheduler.now;
    this.polling = options.poll === true;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.disk = engineDisk(options.fs);
    this.index = new IndexStore(join(options.stateDir, 'index.sqlite'));
    this.rehashAll = this.index.uncleanStop;
    this.rulesText = readIgnoreText(this.disk.fs, options.root);
    this.rules = makeIgnoreRules(this.rulesText);
    this.excluded = storedSelection(this.index.getMeta(EXCLUDED_KEY), this.index.getMeta(INCLUDED_KEY), options.log);
    this.scanner = new Scanner(this.disk, options.root, () => this.rules, this.index.base);
    this.planOptions = { ...DEFAULT_PLAN_OPTIONS, ...options.plan };
    this.prefetcher = new Prefetcher({
      disk: this.disk,
      root: options.root,
      remote: options.remote,
      device: () => this.device,
      locate: (hash) => this.index.locate(hash),
      // A file in an excluded folder is not wanted here: nothing to fetch ahead.
      have: (upload) => this.index.base.get(upload.path)?.contentHash === upload.contentHash || this.excluded.folderOf(upload.path) !== null,
      minFreeBytes: options.minFreeBytes,
      log: options.log,
      onProgress: () => this.status.changed(),
      scheduler: this.scheduler,
    });
    this.status = new StatusTracker({ folder: options.root, serverUrl: options.remote.url, device: () => this.device }, options.remote.counters, this.now, this.scheduler);
    this.status.background = () => this.prefetcher.progress();
    this.status.excludedFolders = this.excluded.list;
    this.status.includedFolders = this.excluded.included;
  }

  /** The synced folder. */
  get root(): string {
    return this.options.root;
  }

  get remote(): RemoteStore {
    return this.options.remote;
  }

  getStatus(): SyncStatus {
    return this.status.snapshot();
  }

  /**
   * Scans, pushes and pulls until both sides agree or something stops it. Used by
   * `hsync sync --once` and tests; resolves with the outcome, never rejects for sync errors.
   */
  async syncOnce(): Promise<SyncOutcome> {
    this.wantFull = true;
    await this.enqueue();
    return this.outcome();
  }

  /** One-line verdict on the last cycle. */
  outcome(): SyncOutcome {
    const s = this.status;
    if (s.state === 'error' || s.state === 'offline') return { agreed: false, reason: s.error?.message ?? s.state };
    if (s.state === 'paused') return { agreed: false, reason: 'paused' };
    if (s.pendingDeletes) {
      const where = s.pendingDeletes.side === 'remote' ? 'local files deleted on the server' : 'files deleted locally';
      return { agreed: false, reason: `${s.pendingDeletes.count} of ${s.pendingDeletes.total} ${where}; held until confirmed (--confirm-deletes)` };
    }
    const failed = [...s.problems.values()].filter((p) => p.kind === 'fail');
    const waiting = failed.find(isStorageWait);
    if (waiting) return { agreed: false, reason: `${problemsTitle(failed).toLowerCase()}; first: ${waiting.message}` };
    if (failed.length > 0) return { agreed: false, reason: `${failed.length} file${failed.length === 1 ? '' : 's'} could not sync, first: ${failed[0].message}` };
    if (this.lastPlan && this.lastPlan.waiting.length > 0) return { agreed: false, reason: `waiting for ${this.lastPlan.waiting.length} file(s) to stop changing, first: "${this.lastPlan.waiting[0]}"` };
    if (this.lastPlan && this.lastPlan.ops.length > 0) return { agreed: false, reason: `${this.lastPlan.ops.length} changes still pending` };
    return { agreed: true, reason: null };
  }

  /** Keeps syncing: watcher hints, long-poll, periodic rescans. */
  async start(): Promise<void> {
    this.stopping = false;
    this.watching = this.options.watch !== false;
    if (this.watching) this.startWatcher();
    const every = this.options.rescanIntervalMs ?? 60_000;
    this.timers.push(this.scheduler.setInterval(() => this.schedule(true), every));
    this.pollLoop = this.longpollLoop();
    this.schedule(true);
  }

  /** Finishes the cycle in flight, stops watching and polling, closes the index. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping = true;
    for (const timer of this.timers) this.scheduler.clear(timer);
    this.timers = [];
    this.poll?.abort();
    await this.watcher?.close();
    this.watcher = null;
    await this.pollLoop?.catch(() => undefined);
    await this.prefetcher.stop();
    await this.running.catch(() => undefined);
    this.index.close();
  }

  /**
   * Switches between polling and kernel events, at once. A watcher that failed (an exhausted
   * inotify) is tried again. The next cycle scans everything: a change made while no watcher
   * ran would otherwise wait for the periodic scan.
   */
  async setPolling(poll: boolean, intervalMs = this.pollIntervalMs): Promise<void> {
    if (poll === this.polling && (!poll || intervalMs === this.pollIntervalMs) && this.watcher) return;
    this.polling = poll;
    this.pollIntervalMs = intervalMs;
    if (!this.watching || this.stopping) return;
    const old = this.watcher;
    this.watcher = null;
    await old?.close();
    this.startWatcher();
    this.schedule(true);
  }

  async pause(): Promise<void> {
    this.paused = true;
    await Promise.all([this.prefetcher.pause(), this.running.catch(() => undefined)]);
    this.status.setState('paused');
  }

  async resume(): Promise<void> {
    if (!this.paused) return;
    this.paused = false;
    this.status.setState('idle');
    this.prefetcher.resume();
    // Uploads other devices began meanwhile are not announced again: look for them now.
    if (this.tempReady && !this.stopping) void this.prefetcher.refresh();
    this.wantFull = true;
    await this.enqueue();
  }

  async syncNow(): Promise<void> {
    this.wantFull = true;
    await this.enqueue();
  }

  /** The folders this device does not sync, sorted. */
  excludedFolders(): string[] {
    return [...this.excluded.list];
  }

  /** The folders inside excluded ones that this device syncs all the same, sorted. */
  includedFolders(): string[] {
    return [...this.excluded.included];
  }

  /** The selection after `--exclude-folder` and `--include-folder` (ExcludedFolders.change). */
  changedSelection(exclude: readonly string[], include: readonly string[]): FolderSelection {
    return this.excluded.change(exclude, include);
  }

  /**
   * Replaces the excluded folders and the folders inside them taken back (`included`; left
   * out: those kept so far, as long as they are still inside an excluded folder). Kept in
   * the index, so every later start has them; once started, syncs at once: an excluded
   * folder leaves this disk, one taken back downloads. Bad paths throw before anything
   * changes. Returns the excluded list as kept.
   */
  async setExcludedFolders(paths: readonly string[], included: readonly string[] = this.excluded.included): Promise<string[]> {
    const next = new ExcludedFolders(paths, included);
    // Between cycles: a plan is made against one selection.
    await this.run(async () => {
      this.index.transaction(() => {
        this.index.setMeta(EXCLUDED_KEY, JSON.stringify(next.list));
        this.index.setMeta(INCLUDED_KEY, JSON.stringify(next.included));
      });
      this.excluded = next;
      this.status.excludedFolders = next.list;
      this.status.includedFolders = next.included;
      this.status.changed();
    });
    if (this.pollLoop && !this.stopping) this.schedule(true);
    return [...next.list];
  }

  /** The server's folders directly inside `parent` ('' for the top), as this device last pulled them. */
  serverFolders(parent: string): ServerFolder[] {
    return listServerFolders(parent === '' ? '' : cleanFolderPath(parent), this.index.base, this.index.remote, this.excluded);
  }

  /** Lets the held deletions shown in the status through (both kinds when none is shown yet). */
  async confirmDeletes(): Promise<void> {
    const side = this.status.pendingDeletes?.side;
    if (side !== 'remote') this.deletesConfirmed = true;
    if (side !== 'local') this.remoteDeletesConfirmed = true;
    this.wantFull = true;
    await this.enqueue();
  }

  /**
   * Brings the held-back deleted files back: local deletions from the server; deletions from
   * the server by keeping the local files, which go up again as new files.
   */
  async cancelDeletes(): Promise<void> {
    const held = this.heldDeletes;
    const heldRemote = this.heldRemoteDeletes;
    this.run(async () => {
      keepLocalCopies(this.index, heldRemote);
      this.heldRemoteDeletes = [];
      const ops: Op[] = [];
      for (const path of held) {
        const base = this.index.base.get(path);
        if (base && !this.local.has(path)) ops.push({ kind: 'restore', path, base, reason: 'deletion cancelled' });
      }
      this.status.setState('syncing');
      await this.index.batch(() => execute(ops, this.executorContext()));
      this.heldDeletes = [];
      this.status.holdDeletes(null);
      this.status.setState('idle');
    });
    await this.running;
    this.wantFull = true;
    await this.enqueue();
  }

  /**
   * Runs a change the user asked for in the UI (a conflict resolution) between cycles, never
   * during one, then syncs it at once.
   */
  async betweenCycles(work: () => Promise<void>): Promise<void> {
    let failure: unknown = null;
    await this.run(() => work().catch((error: unknown) => void (failure = error)));
    if (failure) throw failure;
    this.wantFull = true;
    await this.enqueue();
  }

  /** Asks for a cycle soon; hints narrow the scan, `full` rescans everything. */
  schedule(full: boolean, hints: Iterable<string> = []): void {
    if (full) this.wantFull = true;
    for (const hint of hints) this.hints.add(hint);
    if (this.scheduled) return;
    this.scheduled = true;
    void this.enqueue();
  }

  private enqueue(): Promise<void> {
    return this.run(async () => {
      this.scheduled = false;
      await this.cycle();
    });
  }

  private run(work: () => Promise<void>): Promise<void> {
    this.running = this.running.then(work, work).catch((error) => this.options.log?.(`internal: ${(error as Error).stack}`));
    return this.running;
  }

  private async cycle(): Promise<void> {
    if (this.paused || this.stopping) return;
    try {
      await checkFolder(this.disk.fs, this.options.root, this.index.base.size === 0);
      this.caseInsensitive ??= this.options.caseInsensitive ?? probeCaseInsensitive(this.disk.fs, this.options.root);
      if (!this.tempCleaned) {
        this.tempCleaned = true;
        makeReservedDir(this.disk.fs, this.options.root);
        await removeStaleTemp(this.disk.fs, this.options.root, TEMP_MAX_AGE_MS, this.now());
        this.tempReady = true;
        await this.sweepTrash();
      }
      if (!this.accountChecked) await this.checkServer();
      let waits = 0;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        await this.pull();
        this.status.setState('scanning');
        await this.scan();
        const next = plan(this.index.base, this.local, this.index.remote, {
          ...this.planOptions,
          deletesConfirmed: this.deletesConfirmed,
          remoteDeletesConfirmed: this.remoteDeletesConfirmed,
          ignored: (path) => this.rules.ignores(path) || this.linked.above(path) !== null,
          excluded: (path) => this.excluded.folderOf(path),
        });
        this.lastPlan = next;
        // A path the user now ignores no longer syncs here: its old failure is moot. Refused
        // (hostile) paths stay reported; the rules only answer for valid relative paths.
        for (const [path, problem] of this.status.problems) {
          if (problem.kind === 'fail' && pathProblem(path) === null && this.rules.ignores(path)) this.status.clearProblem(path);
        }
        this.linked.reportUnder(this.index.remote, (path, link) =>
          this.status.setProblem(path, 'fail', { code: 'invalid_path', message: `download "${path}": refused, "${link}" is a symbolic link and is not followed` }));
        this.showPlan(next);
        if (next.ops.length === 0) {
          if (next.waiting.length > 0 && waits++ < ONCE_WAITS && this.options.watch === false) {
            // One-shot: give a file that is being written a moment, then look again.
            await pause(this.scheduler, this.waitingDelay);
            for (const path of next.waiting) this.hints.add(path);
            continue;
          }
          break;
        }
        this.status.setState('syncing');
        const result = await this.index.batch(() => execute(next.ops, this.executorContext()));
        if (next.heldDeletes.length === 0) this.deletesConfirmed = false;
        if (next.heldRemoteDeletes.length === 0) this.remoteDeletesConfirmed = false;
        if (result.done === 0 && !result.needPull && this.hints.size === 0) break;
      }
      // One-shot cycles always ask; a running client asks while its long-poll says the server wants blocks.
      if (!this.pollLoop || this.wantedSeen > 0) await this.repairBlocks();
      await this.sweepTrash();
      this.offlineDelay = 1000;
      this.status.cycleFinished();
      this.status.setState(this.paused ? 'paused' : 'idle');
      this.retryStorageWaits();
    } catch (error) {
      this.fail(error);
    }
    if (this.scannedAll && this.pollLoop && !this.stopping) {
      // Long-running client: once this cycle is over and nothing else is queued, give the
      // walk's memory back (queued like a cycle, so it never runs in the middle of one).
      this.scannedAll = false;
      this.scheduler.setTimeout(() => {
        if (!this.scheduled && !this.stopping) void this.run(async () => releaseMemory(undefined, this.scheduler));
      }, 1000, { background: true });
    }
  }

  /**
   * Files waiting for the in-house store (an outage) are tried again after
   * STORAGE_RETRY_MS rather than at the next rescan, so a running client has them soon
   * after the store is back; the long-poll hears nothing of a store coming back.
   */
  private retryStorageWaits(): void {
    if (!this.pollLoop || this.stopping) return;
    if (![...this.status.problems.values()].some((p) => p.kind === 'fail' && isStorageWait(p))) return;
    this.scheduler.setTimeout(() => this.schedule(true), STORAGE_RETRY_MS, { background: true });
  }

  /**
   * Uploads again the blocks the server lost that this device's unchanged files hold
   * (block-repair.ts). A failure only logs: the server keeps asking, the next cycle retries.
   */
  private async repairBlocks(): Promise<void> {
    try {
      const repair = await reuploadWanted({
        fs: this.disk.fs,
        root: this.options.root,
        remote: this.remote,
        base: this.index.base,
        local: this.local,
        locate: (hash) => this.index.locate(hash),
      });
      if (repair.uploaded > 0) this.options.log?.(`repair "${this.options.root}": uploaded ${repair.uploaded} of ${repair.wanted} block(s) the server lost`);
    } catch (error) {
      this.options.log?.(`repair "${this.options.root}": ${(error as Error).message}`);
    }
  }

  /** Ages and caps the local trash (docs/engine.md "The local trash"); a failure only warns. */
  private async sweepTrash(): Promise<void> {
    try {
      const swept = await sweepTrash(this.disk.fs, this.options.root, this.now(), this.options.trashCapBytes ?? trashCapFor(this.disk.fs, this.options.root));
      if (swept.removed > 0) this.options.log?.(`trash "${this.options.root}": removed ${swept.removed} old file(s), ${swept.bytes} bytes`);
    } catch (error) {
      this.options.log?.(`trash "${this.options.root}": ${(error as Error).message}`);
    }
  }

  private fail(error: unknown): void {
    const data: ErrorData = toErrorData(error);
    this.options.log?.(`sync "${this.options.root}": ${data.message}`);
    if (data.code === 'unavailable') {
      this.accountChecked = false;
      this.status.setState('offline', data);
      if (!this.stopping && this.pollLoop) {
        this.scheduler.setTimeout(() => this.schedule(true), this.offlineDelay, { background: true });
        // Back off to at most 10 s: a local server restart should not leave the user waiting long.
        this.offlineDelay = Math.min(this.offlineDelay * 2, 10_000);
      }
      return;
    }
    this.status.setState('error', data);
  }

  /** Stops for good when the server is not the one this folder synced with (restored, wiped). */
  private async checkServer(): Promise<void> {
    const account = await this.remote.account();
    const known = this.index.getMeta('serverId');
    if (known && known !== account.serverId) {
      throw new SyncError('server_changed', `check server ${this.remote.url}: its identity changed (restored or wiped?); nothing was deleted, sync stopped`);
    }
    if (!known) this.index.setMeta('serverId', account.serverId);
    this.accountChecked = true;
  }

  private async pull(): Promise<void> {
    await pullPages(this.remote, this.index.cursor, (page) => {
      // Every field is re-checked on arrival (journal-check.ts): bad entries are reported, never applied.
      for (const bad of page.refused) this.status.setProblem(bad.path, 'fail', { code: bad.code, message: `download ${JSON.stringify(bad.path)}: refused, ${bad.reason}` });
      this.index.addRemote(page.entries, page.cursor);
    });
  }

  /**
   * Reads `.hsyncignore` again. The rules are made anew when it changed, or with `fresh`
   * (to drop their verdict cache); else the ones in hand stay (parsing the patterns was a
   * few per cent of a cycle of a small folder).
   */
  private loadRules(fresh: boolean): void {
    const text = readIgnoreText(this.disk.fs, this.options.root);
    if (!fresh && text === this.rulesText) return;
    this.rulesText = text;
    this.rules = makeIgnoreRules(text);
  }

  private async scan(): Promise<void> {
    const full = this.wantFull || this.options.watch === false || !this.watcher;
    const hints = [...this.hints];
    this.hints.clear();
    this.wantFull = false;
    if (full || hints.includes(IGNORE_FILE)) this.loadRules(false);
    const result = full ? await this.scanner.fullScan(this.local, { rehash: this.rehashAll }) : await this.scanner.scanPaths(hints, this.local);
    if (full) this.scannedAll = true;
    if (full) this.rehashAll = false;
    this.linked.update(result.skipped, full);
    // The rules cache a verdict for every path they were asked about (the ignore package
    // without bound): after a full scan that is every file. Fresh rules with the same
    // patterns let that go; the scanner does not ask again about unchanged files.
    if (full) this.loadRules(true);
    if (full) {
      this.status.replaceSkips(new Map(result.skipped.map((s) => [s.path, { code: 'invalid_path' as const, message: `skip "${s.path}": ${s.reason}` }])));
    } else {
      for (const s of result.skipped) this.status.setProblem(s.path, 'skip', { code: 'invalid_path', message: `skip "${s.path}": ${s.reason}` });
    }
    if (result.hashed > 0) this.refreshBaseStats();
    if (result.unstable.length > 0 && this.pollLoop) {
      // Files still being written: look again later, backing off, not on every event.
      this.scheduler.setTimeout(() => this.schedule(false, result.unstable), this.waitingDelay, { background: true });
      this.waitingDelay = Math.min(this.waitingDelay * 2, 60_000);
    } else if (result.unstable.length === 0) {
      this.waitingDelay = 500;
    }
  }

  /** A touched file hashed to its base content: remember its new stat so it is not read again. */
  private refreshBaseStats(): void {
    this.index.transaction(() => {
      for (const entry of this.local.values()) {
        if (!entry.blocks) continue;
        const base = this.index.base.get(entry.path);
        if (!base || base.contentHash !== entry.contentHash) continue;
        if (base.mtime !== entry.mtime || base.ino !== entry.ino) this.index.updateBaseStat(entry.path, entry.mtime, entry.ino);
        entry.blocks = undefined; // in sync: its block list is in the index, not needed in memory
      }
    });
  }

  private showPlan(next: Plan): void {
    const pending = { up: { files: 0, bytes: 0 }, down: { files: 0, bytes: 0 } };
    for (const op of next.ops) {
      if (op.kind === 'upload' || op.kind === 'upload_aside') {
        pending.up.files++;
        pending.up.bytes += op.local.size;
      } else if (op.kind === 'download' || op.kind === 'conflict' || op.kind === 'download_aside') {
        pending.down.files++;
        pending.down.bytes += op.entry.size;
      } else if (op.kind !== 'adopt' && op.kind !== 'forget') {
        pending[op.kind === 'upload_move' || op.kind === 'delete_remote' ? 'up' : 'down'].files++;
      }
    }
    this.status.pending = pending;
    this.heldDeletes = next.heldDeletes;
    this.heldRemoteDeletes = next.heldRemoteDeletes;
    this.status.holdDeletes(heldDeletesStatus(next, this.index.base.size, this.local.size));
    for (const path of next.waiting) {
      this.status.setProblem(path, 'skip', { code: 'io', message: `upload "${path}": waiting for the file to stop changing` });
    }
    this.status.changed();
  }

  private executorContext(): ExecutorContext {
    const status = this.status;
    return {
      disk: this.disk,
      root: this.options.root,
      device: this.device,
      remote: this.remote,
      index: this.index,
      local: this.local,
      now: this.now,
      problem: (path, error) => status.setProblem(path, 'fail', error),
      solved: (path) => status.clearProblem(path),
      activity: (item) => status.addActivity(item),
      progress: (direction, bytes) => {
        const side = status.pending[direction];
        side.bytes = Math.max(0, side.bytes - bytes);
      },
      rescan: (path) => this.hints.add(path),
      minFreeBytes: this.options.minFreeBytes,
      platform: this.options.platform ?? process.platform,
      caseInsensitive: this.caseInsensitive ?? false,
    };
  }

  private startWatcher(): void {
    try {
      const watcher: HintWatcher = (this.options.watchFolder ?? watchFolder)(this.options.root, {
        debounceMs: this.options.debounceMs ?? 150,
        scheduler: this.scheduler,
        poll: this.polling,
        pollIntervalMs: this.pollIntervalMs,
        onHints: (paths) => this.schedule(false, paths),
        onReady: () => this.schedule(true),
        onError: (message) => {
          this.status.warn(message);
          this.options.log?.(message);
          void watcher.close();
          // A watcher replaced meanwhile (setPolling) is not this one.
          if (this.watcher === watcher) this.watcher = null;
        },
      });
      this.watcher = watcher;
    } catch (error) {
      this.status.warn(`File watching unavailable (${(error as Error).message}); using periodic scans`);
    }
  }

  private async longpollLoop(): Promise<void> {
    let delay = 1000;
    // The newest journal id a cycle was already asked to pull. A cycle that did not pull it
    // (paused, or failed) must not make the next poll return at once, over and over: that
    // poll waits for a newer change, and resume, rescans and retries catch up meanwhile.
    let asked = 0;
    while (!this.stopping) {
      this.poll = new AbortController();
      try {
        const cursor = Math.max(this.index.cursor, asked);
        const answer = await this.remote.longpoll(cursor, this.options.longpollSec ?? 30, this.poll.signal, {
          pendingSeq: this.pendingSeq,
          wanted: this.wantedSeen,
          wantedSeq: this.wantedSeq,
        });
        delay = 1000;
        if (typeof answer.pendingSeq === 'number') this.pendingSeq = answer.pendingSeq;
        // The server wants blocks again, or a want ended (a device healed it): a cycle
        // uploads what this device holds, or retries the downloads that lacked those blocks.
        // The sequence also catches a want made and ended between two polls (the count is
        // back where it was, but a download that failed on it can be retried now).
        const wantedMoved = typeof answer.wantedSeq === 'number' && answer.wantedSeq !== this.wantedSeq;
        if (typeof answer.wantedSeq === 'number') this.wantedSeq = answer.wantedSeq;
        if ((typeof answer.wanted === 'number' && answer.wanted !== this.wantedSeen) || wantedMoved) {
          if (typeof answer.wanted === 'number') this.wantedSeen = answer.wanted;
          this.schedule(false);
        }
        // Another device is uploading: fetch its blocks as they land, beside any cycle.
        // (Not before the first cycle's sweep of old temp files, which must not race a prefetch.)
        if (answer.pending && this.tempReady && !this.paused && !this.stopping) void this.prefetcher.refresh();
        if (answer.changes || answer.cursor > cursor) {
          asked = answer.cursor;
          this.schedule(false);
          // Poll again only once that cycle has pulled: the cursor moves there.
          await this.running.catch(() => undefined);
        }
      } catch (error) {
        if (this.stopping) return;
        if (hasCode(error, 'unauthorized')) {
          this.fail(error);
          return;
        }
        await pause(this.scheduler, delay);
        delay = Math.min(delay * 2, 30_000);
        this.schedule(false);
      }
    }
  }
}


/** The selection as the index keeps it; a damaged value syncs everything and says so. */
function storedSelection(excluded: string | null, included: string | null, log?: (line: string) => void): ExcludedFolders {
  if (excluded === null) return new ExcludedFolders([]);
  try {
    const out: unknown = JSON.parse(excluded);
    const back: unknown = included === null ? [] : JSON.parse(included);
    if (isStringList(out) && isStringList(back)) return new ExcludedFolders(out, back);
  } catch {
    // reported below
  }
  log?.(`selective sync: the stored list of excluded folders is damaged (${excluded.slice(0, 80)}); every folder syncs`);
  return new ExcludedFolders([]);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((p) => typeof p === 'string');
}
