// Folder status as the UIs show it. The state machine, recent activity, per-file problems,
// warnings and held deletions are facts the engine emits as numbered events
// (shared/common/folder-events.ts); the status is their fold, plus what is measured
// rather than told: pending work and rates. Every change notifies subscribers (the SSE/IPC
// bridges); eventsSince(seq) answers the events after a number a UI last saw.

import type { ErrorData } from '../../common/errors.js';
import { applyFolderEvent, emptyFolderView, isAllowedTransition, type EventPage, type FolderEvent, type FolderFact, type FolderView, type RecordedProblem } from '../../common/folder-events.js';
import { formatBytes, problemsTitle, waitingForStorage } from '../../common/status-words.js';
import type { ActivityItem, FolderState, PendingDeletes, StorageState, SyncStatus } from '../../common/sync-api.js';
import type { TransferCounters } from '../remote/remote-store.js';
import { realScheduler } from '../scheduler/real-scheduler.js';
import type { Scheduler, Timer } from '../scheduler/scheduler.js';

const PROBLEM_LIMIT = 500;
/** Events kept for eventsSince: a UI further behind reads the whole status again. */
const EVENT_LOG_LIMIT = 1000;

export type ProblemRecord = RecordedProblem;

export class StatusTracker {
  private readonly view: FolderView = emptyFolderView();
  private readonly log: FolderEvent[] = [];
  private seq = 0;
  /** Transitions FOLDER_TRANSITIONS does not allow, as "from → to": a defect when not empty. */
  readonly illegalTransitions: string[] = [];
  pending = { up: { files: 0, bytes: 0 }, down: { files: 0, bytes: 0 } };
  /** The folders this device does not sync (selective sync). */
  excludedFolders: readonly string[] = [];
  includedFolders: readonly string[] = [];
  /** Downloads running outside the sync cycle (prefetches of uploads still under way). */
  background: () => { files: number; bytes: number } = () => ({ files: 0, bytes: 0 });
  private listeners = new Set<(status: SyncStatus) => void>();
  private rateSample = { at: 0, sent: 0, received: 0 };
  private rates = { upBytesPerSec: 0, downBytesPerSec: 0 };
  private timer: Timer | null = null;

  constructor(
    private readonly fixed: { folder: string; serverUrl: string; device: () => string },
    private readonly counters: TransferCounters,
    private readonly now: () => number,
    private readonly scheduler: Scheduler = realScheduler,
  ) {}

  get state(): FolderState {
    return this.view.state;
  }

  get error(): ErrorData | null {
    return this.view.error;
  }

  get problems(): ReadonlyMap<string, ProblemRecord> {
    return this.view.problems;
  }

  get warnings(): ReadonlySet<string> {
    return this.view.warnings;
  }

  get recent(): readonly ActivityItem[] {
    return this.view.recent;
  }

  get pendingDeletes(): PendingDeletes | null {
    return this.view.pendingDeletes;
  }

  get lastSyncedAt(): number | null {
    return this.view.lastSyncedAt;
  }

  /** The newest event's sequence number (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  setState(state: FolderState, error: ErrorData | null = null): void {
    const from = this.view.state;
    if (from === state && this.view.error?.message === error?.message) return;
    if (!isAllowedTransition(from, state)) this.illegalTransitions.push(`${from} → ${state}`);
    this.emit({ type: 'state-changed', from, to: state, error });
  }

  addActivity(item: Omit<ActivityItem, 'at'>): void {
    this.emit({ type: 'file-synced', item: { ...item, at: this.now() } });
  }

  setProblem(path: string, kind: ProblemRecord['kind'], error: ErrorData): void {
    const old = this.view.problems.get(path);
    if (old && old.message === error.message) return;
    if (!old && this.view.problems.size >= PROBLEM_LIMIT) return;
    this.emit({ type: 'problem-found', problem: { path, kind, code: error.code, message: error.message, since: old?.since ?? this.now() } });
  }

  clearProblem(path: string): void {
    if (this.view.problems.has(path)) this.emit({ type: 'problem-cleared', path });
  }

  /** Drops scan-skip problems no longer reported (the symlink was removed, say). */
  replaceSkips(skips: Map<string, ErrorData>): void {
    for (const [path, problem] of [...this.view.problems]) if (problem.kind === 'skip' && !skips.has(path)) this.clearProblem(path);
    for (const [path, error] of skips) this.setProblem(path, 'skip', error);
  }

  warn(message: string): void {
    if (!this.view.warnings.has(message)) this.emit({ type: 'warning-raised', message });
  }

  /** The deletions waiting for the user's word (null: none). */
  holdDeletes(pendingDeletes: PendingDeletes | null): void {
    if (JSON.stringify(pendingDeletes) !== JSON.stringify(this.view.pendingDeletes)) this.emit({ type: 'deletes-held', pendingDeletes });
  }

  /** A cycle ended with this device in step with the server. */
  cycleFinished(): void {
    this.emit({ type: 'cycle-finished' });
  }

  /** The events after `since`, oldest first (docs/engine.md "Folder state and events"). */
  eventsSince(since: number): EventPage {
    const kept = this.log.length > EVENT_LOG_LIMIT ? this.log.slice(-EVENT_LOG_LIMIT) : this.log;
    const first = kept[0]?.seq ?? this.seq + 1;
    return { events: kept.filter((e) => e.seq > since), seq: this.seq, missed: since + 1 < first && since < this.seq };
  }

  subscribe(listener: (status: SyncStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(fact: FolderFact): void {
    const event = { ...fact, seq: ++this.seq, at: this.now() } as FolderEvent;
    applyFolderEvent(this.view, event);
    this.log.push(event);
    // Trimmed in batches, not per event: a sync of 10,000 files emits 10,000 events.
    if (this.log.length >= 2 * EVENT_LOG_LIMIT) this.log.splice(0, this.log.length - EVENT_LOG_LIMIT);
    this.changed();
  }

  /** Coalesces bursts of changes into one notification per 100 ms. */
  changed(): void {
    if (this.timer || this.listeners.size === 0) return;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = null;
      const status = this.snapshot();
      for (const listener of this.listeners) listener(status);
    }, 100, { background: true });
  }

  snapshot(): SyncStatus {
    this.sampleRates();
    // An idle folder fetching files other devices are still uploading is syncing them.
    const background = this.background();
    const state = this.view.state === 'idle' && background.files > 0 ? 'syncing' : this.view.state;
    const down = { files: this.pending.down.files + background.files, bytes: this.pending.down.bytes + background.bytes };
    return {
      state,
      summary: this.summary(state, down),
      folder: this.fixed.folder,
      device: this.fixed.device(),
      serverUrl: this.fixed.serverUrl,
      error: this.view.error,
      pending: { up: { ...this.pending.up }, down },
      rates: { ...this.rates },
      totals: { sentBytes: this.counters.sentBytes, receivedBytes: this.counters.receivedBytes },
      recent: this.view.recent.slice(),
      problems: [...this.view.problems.values()].map(({ kind: _kind, ...problem }) => problem),
      warnings: [...this.view.warnings],
      storage: { mode: 'inhouse', detail: 'in-house block store', tiers: null } satisfies StorageState,
      pendingDeletes: this.view.pendingDeletes,
      lastSyncedAt: this.view.lastSyncedAt,
      seq: this.seq,
      excludedFolders: [...this.excludedFolders],
      includedFolders: [...this.includedFolders],
    };
  }

  private sampleRates(): void {
    const at = this.now();
    const elapsed = (at - this.rateSample.at) / 1000;
    if (elapsed < 1) return;
    if (this.rateSample.at > 0) {
      this.rates = {
        upBytesPerSec: Math.round((this.counters.sentBytes - this.rateSample.sent) / elapsed),
        downBytesPerSec: Math.round((this.counters.receivedBytes - this.rateSample.received) / elapsed),
      };
    }
    this.rateSample = { at, sent: this.counters.sentBytes, received: this.counters.receivedBytes };
  }

  private summary(state: FolderState, down: { files: number; bytes: number }): string {
    switch (state) {
      case 'error':
        return `Error: ${this.view.error?.message ?? 'unknown'}`;
      case 'paused':
        return 'Paused';
      case 'offline':
        return `Offline: ${this.view.error?.message ?? 'server unreachable'}`;
      case 'scanning':
        return 'Scanning';
      case 'syncing': {
        const files = this.pending.up.files + down.files;
        const bytes = this.pending.up.bytes + down.bytes;
        return `Syncing ${files} file${files === 1 ? '' : 's'}, ${formatBytes(bytes)} left`;
      }
      default:
        if (this.view.pendingDeletes?.side === 'remote') return `Waiting: remove ${this.view.pendingDeletes.count} files deleted on the server from this device?`;
        if (this.view.pendingDeletes) return `Waiting: delete ${this.view.pendingDeletes.count} files on all devices?`;
        {
          const failed = [...this.view.problems.values()].filter((p) => p.kind === 'fail');
          // Files held back by an outage of the block store are named first: they sync once it is back.
          if (waitingForStorage(failed) > 0) return problemsTitle(failed);
          return failed.length > 0 ? `Up to date except ${failed.length} file${failed.length === 1 ? '' : 's'} that could not sync` : 'Up to date';
        }
    }
  }
}
