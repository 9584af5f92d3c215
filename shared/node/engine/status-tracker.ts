// Folder status as the UIs show it: state machine, pending work, rates, recent activity,
// per-file problems and warnings. Every change notifies subscribers (the SSE/IPC bridges).

import type { ErrorData } from '../../common/errors.js';
import { formatBytes } from '../../common/status-words.js';
import type { ActivityItem, FileProblem, FolderState, PendingDeletes, StorageState, SyncStatus } from '../../common/sync-api.js';
import type { TransferCounters } from '../remote/remote-store.js';

const RECENT_LIMIT = 50;
const PROBLEM_LIMIT = 500;

export interface ProblemRecord extends FileProblem {
  /** 'skip': the scan leaves this path out (symlink, bad name); 'fail': a sync step failed. */
  kind: 'skip' | 'fail';
}

export class StatusTracker {
  state: FolderState = 'idle';
  error: ErrorData | null = null;
  readonly problems = new Map<string, ProblemRecord>();
  readonly warnings = new Set<string>();
  recent: ActivityItem[] = [];
  pending = { up: { files: 0, bytes: 0 }, down: { files: 0, bytes: 0 } };
  pendingDeletes: PendingDeletes | null = null;
  lastSyncedAt: number | null = null;
  /** The folders this device does not sync (selective sync). */
  excludedFolders: readonly string[] = [];
  /** Downloads running outside the sync cycle (prefetches of uploads still under way). */
  background: () => { files: number; bytes: number } = () => ({ files: 0, bytes: 0 });
  private listeners = new Set<(status: SyncStatus) => void>();
  private rateSample = { at: 0, sent: 0, received: 0 };
  private rates = { upBytesPerSec: 0, downBytesPerSec: 0 };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly fixed: { folder: string; serverUrl: string; device: () => string },
    private readonly counters: TransferCounters,
    private readonly now: () => number,
  ) {}

  setState(state: FolderState, error: ErrorData | null = null): void {
    if (this.state === state && this.error?.message === error?.message) return;
    this.state = state;
    this.error = error;
    this.changed();
  }

  addActivity(item: Omit<ActivityItem, 'at'>): void {
    this.recent.unshift({ ...item, at: this.now() });
    if (this.recent.length > RECENT_LIMIT) this.recent.length = RECENT_LIMIT;
    this.changed();
  }

  setProblem(path: string, kind: ProblemRecord['kind'], error: ErrorData): void {
    const old = this.problems.get(path);
    if (old && old.message === error.message) return;
    if (!old && this.problems.size >= PROBLEM_LIMIT) return;
    this.problems.set(path, { path, kind, code: error.code, message: error.message, since: old?.since ?? this.now() });
    this.changed();
  }

  clearProblem(path: string): void {
    if (this.problems.delete(path)) this.changed();
  }

  /** Drops scan-skip problems no longer reported (the symlink was removed, say). */
  replaceSkips(skips: Map<string, ErrorData>): void {
    for (const [path, problem] of this.problems) if (problem.kind === 'skip' && !skips.has(path)) this.problems.delete(path);
    for (const [path, error] of skips) this.setProblem(path, 'skip', error);
    this.changed();
  }

  warn(message: string): void {
    if (this.warnings.has(message)) return;
    this.warnings.add(message);
    this.changed();
  }

  subscribe(listener: (status: SyncStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Coalesces bursts of changes into one notification per 100 ms. */
  changed(): void {
    if (this.timer || this.listeners.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const status = this.snapshot();
      for (const listener of this.listeners) listener(status);
    }, 100);
    this.timer.unref();
  }

  snapshot(): SyncStatus {
    this.sampleRates();
    // An idle folder fetching files other devices are still uploading is syncing them.
    const background = this.background();
    const state = this.state === 'idle' && background.files > 0 ? 'syncing' : this.state;
    const down = { files: this.pending.down.files + background.files, bytes: this.pending.down.bytes + background.bytes };
    return {
      state,
      summary: this.summary(state, down),
      folder: this.fixed.folder,
      device: this.fixed.device(),
      serverUrl: this.fixed.serverUrl,
      error: this.error,
      pending: { up: { ...this.pending.up }, down },
      rates: { ...this.rates },
      totals: { sentBytes: this.counters.sentBytes, receivedBytes: this.counters.receivedBytes },
      recent: this.recent.slice(),
      problems: [...this.problems.values()].map(({ kind: _kind, ...problem }) => problem),
      warnings: [...this.warnings],
      storage: { mode: 'inhouse', detail: 'in-house block store', tiers: null } satisfies StorageState,
      pendingDeletes: this.pendingDeletes,
      lastSyncedAt: this.lastSyncedAt,
      excludedFolders: [...this.excludedFolders],
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
        return `Error: ${this.error?.message ?? 'unknown'}`;
      case 'paused':
        return 'Paused';
      case 'offline':
        return `Offline: ${this.error?.message ?? 'server unreachable'}`;
      case 'scanning':
        return 'Scanning';
      case 'syncing': {
        const files = this.pending.up.files + down.files;
        const bytes = this.pending.up.bytes + down.bytes;
        return `Syncing ${files} file${files === 1 ? '' : 's'}, ${formatBytes(bytes)} left`;
      }
      default:
        if (this.pendingDeletes?.side === 'remote') return `Waiting: remove ${this.pendingDeletes.count} files deleted on the server from this device?`;
        if (this.pendingDeletes) return `Waiting: delete ${this.pendingDeletes.count} files on all devices?`;
        {
          const failed = [...this.problems.values()].filter((p) => p.kind === 'fail').length;
          return failed > 0 ? `Up to date except ${failed} file${failed === 1 ? '' : 's'} that could not sync` : 'Up to date';
        }
    }
  }
}
