// The SyncApi (shared/common/sync-api.ts) over one engine, with settings kept by `conf` in
// the state dir. Folder, server and token changes are stored and take effect at the next
// start; the device name applies at once (it names conflict copies and commits).

import Conf from 'conf';
import type { EventPage } from '../../common/folder-events.js';
import {
  DEFAULT_POLL_INTERVAL_MS,
  type ConflictCopy,
  type ConflictKeep,
  type FileRevision,
  type IgnoredList,
  type RestoreRequest,
  type ServerFolder,
  type Settings,
  type SettingsPatch,
  type StorageState,
  type SyncApi,
  type SyncStatus,
} from '../../common/sync-api.js';
import { listConflicts, resolveConflict } from './conflicts.js';
import { fileHistory } from './file-history.js';
import { restoreInEngine } from './restore.js';
import { loadIgnoreRules } from './ignore-rules.js';
import { listIgnored } from './ignored-paths.js';
import { applyLimits, type TransferLimits } from '../remote/throttled-remote.js';
import type { SyncEngine } from './engine.js';
import { PRIVATE_FILE_MODE } from '../private-files.js';

interface StoredSettings {
  folder: string;
  serverUrl: string;
  token: string;
  deviceName: string;
  startAtLogin: boolean;
  paused: boolean;
  upLimitKBps: number;
  downLimitKBps: number;
  pollForChanges: boolean;
  pollIntervalMs: number;
}

export class EngineApi implements SyncApi {
  private readonly store: Conf<StoredSettings>;

  constructor(
    private readonly engine: SyncEngine,
    stateDir: string,
    initial: { folder: string; serverUrl: string; token: string; deviceName: string; pollForChanges?: boolean; pollIntervalMs?: number },
    /** Where blocks are going, when the remote knows (the tiered remote does). */
    private readonly storage?: () => StorageState,
    /** The bandwidth caps the engine's remote waits on; the stored caps apply from the start. */
    private readonly limits?: TransferLimits,
  ) {
    this.store = new Conf<StoredSettings>({
      cwd: stateDir,
      configName: 'settings',
      projectName: 'hybrid-sync',
      configFileMode: PRIVATE_FILE_MODE, // it holds the token
      defaults: { pollForChanges: false, pollIntervalMs: DEFAULT_POLL_INTERVAL_MS, ...initial, startAtLogin: false, paused: false, upLimitKBps: 0, downLimitKBps: 0 },
    });
    // What the command line says wins over what was stored.
    this.store.set({ ...this.store.store, ...initial });
    if (limits) applyLimits(limits, this.store.store);
  }

  /** Status pushes for SSE/IPC bridges; returns the unsubscribe function. */
  subscribe(listener: (status: SyncStatus) => void): () => void {
    return this.engine.status.subscribe(listener);
  }

  async getStatus(): Promise<SyncStatus> {
    const status = this.engine.getStatus();
    return this.storage ? { ...status, storage: this.storage() } : status;
  }

  async pause(): Promise<void> {
    this.store.set('paused', true);
    await this.engine.pause();
  }

  async resume(): Promise<void> {
    this.store.set('paused', false);
    await this.engine.resume();
  }

  async syncNow(): Promise<void> {
    await this.engine.syncNow();
  }

  async listConflicts(): Promise<ConflictCopy[]> {
    return listConflicts(this.engine.index.base);
  }

  async resolveConflict(path: string, keep: ConflictKeep): Promise<void> {
    await this.engine.betweenCycles(() => resolveConflict(this.engine.disk.fs, this.engine.root, this.engine.index.base, path, keep));
  }

  async listIgnored(): Promise<IgnoredList> {
    return listIgnored(this.engine.disk.fs, this.engine.root, loadIgnoreRules(this.engine.disk.fs, this.engine.root));
  }

  async eventsSince(since: number): Promise<EventPage> {
    return this.engine.status.eventsSince(since);
  }

  async listServerFolders(parent: string): Promise<ServerFolder[]> {
    return this.engine.serverFolders(parent);
  }

  async getExcludedFolders(): Promise<string[]> {
    return this.engine.excludedFolders();
  }

  async setExcludedFolders(paths: string[], included?: string[]): Promise<string[]> {
    return this.engine.setExcludedFolders(paths, included);
  }

  async listRevisions(path: string): Promise<FileRevision[]> {
    return fileHistory(this.engine.remote, path);
  }

  async restoreVersion(request: RestoreRequest): Promise<string[]> {
    return restoreInEngine(this.engine, request);
  }

  async confirmDeletes(): Promise<void> {
    await this.engine.confirmDeletes();
  }

  async cancelDeletes(): Promise<void> {
    await this.engine.cancelDeletes();
  }

  /** True when the stored settings say the folder was left paused. */
  get wasPaused(): boolean {
    return this.store.get('paused');
  }

  async getSettings(): Promise<Settings> {
    const s = this.store.store;
    return {
      folder: s.folder,
      serverUrl: s.serverUrl,
      deviceName: s.deviceName,
      startAtLogin: s.startAtLogin,
      paused: s.paused,
      hasToken: s.token !== '',
      upLimitKBps: s.upLimitKBps,
      downLimitKBps: s.downLimitKBps,
      pollForChanges: s.pollForChanges,
      pollIntervalMs: s.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    };
  }

  async updateSettings(patch: SettingsPatch): Promise<Settings> {
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) this.store.set(key as keyof StoredSettings, value as never);
    }
    if (patch.deviceName !== undefined && patch.deviceName.trim() !== '') this.engine.device = patch.deviceName;
    if (this.limits) applyLimits(this.limits, this.store.store);
    if (patch.pollForChanges !== undefined || patch.pollIntervalMs !== undefined) {
      const s = await this.getSettings();
      await this.engine.setPolling(s.pollForChanges, s.pollIntervalMs);
    }
    return this.getSettings();
  }
}
