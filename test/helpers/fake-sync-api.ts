// An in-memory SyncApi for UI tests: it keeps a status object, records every call, and
// notifies subscribers on each change, the way the engine does. Not used by `npm start`
// or by the end-to-end journeys, which drive the real engine.

import type { ConflictCopy, ConflictKeep, FileRevision, IgnoredList, RestoreRequest, ServerFolder, Settings, SettingsPatch, SyncApi, SyncApiMethod, SyncStatus } from '../../shared/common/sync-api.js';

export interface FakeSyncApi extends SyncApi {
  status: SyncStatus;
  settings: Settings;
  conflicts: ConflictCopy[];
  ignored: IgnoredList;
  /** The server's folder tree: every folder path ('a', 'a/b'). */
  serverFolders: string[];
  calls: { method: SyncApiMethod; args: unknown[] }[];
  subscribe(fn: (status: SyncStatus) => void): () => void;
  /** Merges a patch into the status and notifies subscribers. */
  setStatus(patch: Partial<SyncStatus>): void;
  /** Makes the next call of `method` throw this error. */
  failNext(method: SyncApiMethod, error: Error): void;
}

export function emptyStatus(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return {
    state: 'idle',
    summary: 'Up to date',
    folder: '/home/user/HybridSync',
    device: 'laptop',
    serverUrl: 'http://127.0.0.1:9',
    error: null,
    pending: { up: { files: 0, bytes: 0 }, down: { files: 0, bytes: 0 } },
    rates: { upBytesPerSec: 0, downBytesPerSec: 0 },
    totals: { sentBytes: 0, receivedBytes: 0 },
    recent: [],
    problems: [],
    warnings: [],
    storage: { mode: 'inhouse', detail: 'in-house block store', tiers: null },
    pendingDeletes: null,
    lastSyncedAt: null,
    seq: 0,
    excludedFolders: [],
    includedFolders: [],
    ...overrides,
  };
}

export function createFakeSyncApi(initial: Partial<SyncStatus> = {}): FakeSyncApi {
  const listeners = new Set<(status: SyncStatus) => void>();
  const failures = new Map<SyncApiMethod, Error>();
  let token = '';

  const fake: FakeSyncApi = {
    status: emptyStatus(initial),
    settings: {
      folder: '/home/user/HybridSync',
      serverUrl: 'http://127.0.0.1:9',
      deviceName: 'laptop',
      startAtLogin: false,
      upLimitKBps: 0,
      downLimitKBps: 0,
      pollForChanges: false,
      pollIntervalMs: 2000,
      paused: false,
      hasToken: false,
    },
    conflicts: [],
    ignored: { paths: [], truncated: false },
    serverFolders: [],
    calls: [],
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    setStatus(patch) {
      fake.status = { ...fake.status, ...patch };
      for (const fn of listeners) fn(fake.status);
    },
    failNext(method, error) {
      failures.set(method, error);
    },
    async getStatus() {
      record('getStatus', []);
      return structuredClone(fake.status);
    },
    async pause() {
      record('pause', []);
      fake.settings.paused = true;
      fake.setStatus({ state: 'paused', summary: 'Paused' });
    },
    async resume() {
      record('resume', []);
      fake.settings.paused = false;
      fake.setStatus({ state: 'idle', summary: 'Up to date' });
    },
    async syncNow() {
      record('syncNow', []);
    },
    async confirmDeletes() {
      record('confirmDeletes', []);
      fake.setStatus({ pendingDeletes: null });
    },
    async cancelDeletes() {
      record('cancelDeletes', []);
      fake.setStatus({ pendingDeletes: null });
    },
    async getSettings() {
      record('getSettings', []);
      return { ...fake.settings, hasToken: token !== '' };
    },
    async listConflicts() {
      record('listConflicts', []);
      return fake.conflicts;
    },
    async listIgnored() {
      record('listIgnored', []);
      return fake.ignored;
    },
    async eventsSince(since: number) {
      record('eventsSince', [since]);
      return { events: [], seq: fake.status.seq, missed: false };
    },
    async listServerFolders(parent: string): Promise<ServerFolder[]> {
      record('listServerFolders', [parent]);
      const prefix = parent === '' ? '' : `${parent}/`;
      const excluded = (path: string) => fake.status.excludedFolders.some((f) => path === f || path.startsWith(`${f}/`));
      return fake.serverFolders
        .filter((path) => path.startsWith(prefix) && !path.slice(prefix.length).includes('/'))
        .sort()
        .map((path) => ({ path, name: path.slice(prefix.length), excluded: excluded(path), hasFolders: fake.serverFolders.some((p) => p.startsWith(`${path}/`)) }));
    },
    async getExcludedFolders() {
      record('getExcludedFolders', []);
      return [...fake.status.excludedFolders];
    },
    async setExcludedFolders(paths: string[], included: string[] = []) {
      record('setExcludedFolders', [paths, included]);
      fake.setStatus({ excludedFolders: [...paths].sort(), includedFolders: [...included].sort() });
      return [...fake.status.excludedFolders];
    },
    async listRevisions(path: string): Promise<FileRevision[]> {
      record('listRevisions', [path]);
      return [];
    },
    async restoreVersion(request: RestoreRequest) {
      record('restoreVersion', [request]);
      return [];
    },
    async resolveConflict(path: string, keep: ConflictKeep) {
      record('resolveConflict', [path, keep]);
      fake.conflicts = fake.conflicts.filter((c) => c.path !== path);
      fake.setStatus({});
    },
    async updateSettings(patch: SettingsPatch) {
      record('updateSettings', [patch]);
      const { token: newToken, ...rest } = patch;
      if (newToken !== undefined) token = newToken;
      fake.settings = { ...fake.settings, ...rest };
      return { ...fake.settings, hasToken: token !== '' };
    },
  };

  function record(method: SyncApiMethod, args: unknown[]): void {
    fake.calls.push({ method, args });
    const failure = failures.get(method);
    if (failure) {
      failures.delete(method);
      throw failure;
    }
  }
  return fake;
}
