// Runs the engine for a desktop or headless client and owns what the engine does not:
// the settings file (read at start, written by Preferences), the pause state that must
// survive a restart, and restarting the engine when folder, server, token or device change.
// Both composition roots (Electron main, scripts/start.js) use it, so the two behave alike.
// What it returns is the SyncApi every UI talks to, with a status subscription that
// outlives engine restarts.

import { toErrorData } from '../../common/errors.js';
import type { SettingsPatch, SyncApi, SyncStatus } from '../../common/sync-api.js';
import { applyPatch, publicSettings, readSettings, type SettingsBackend } from './client-settings.js';
import type { LimitSettings } from '../remote/throttled-remote.js';
import { accountKey } from './state-dir.js';

export interface EngineConfig {
  folder: string;
  serverUrl: string;
  token: string;
  deviceName: string;
  paused: boolean;
  /** Names the account stably across runs (the embedded server's port changes every run). */
  accountKey: string;
  /** Bandwidth caps in KB/s, 0 = none. */
  limits: LimitSettings;
  /** Look for changes by polling (network and FUSE folders). */
  poll: boolean;
  /** How often polling checks each path, ms (default DEFAULT_POLL_INTERVAL_MS). */
  pollIntervalMs?: number;
}

/** The engine as the host sees it: the SyncApi plus a change subscription and a stop. */
export interface RunningEngine extends Omit<SyncApi, 'getSettings' | 'updateSettings'> {
  subscribe(fn: () => void): () => void;
  /** New bandwidth caps, effective within a second (no restart). */
  setLimits(limits: LimitSettings): void;
  /** Polling on or off, and its interval, at once (no restart). */
  setPolling(poll: boolean, intervalMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface HostDeps {
  settings: SettingsBackend;
  startEngine(config: EngineConfig): Promise<RunningEngine>;
  /** The in-house server to use while no server URL is set (started on demand, once). */
  embeddedServer(): Promise<{ url: string; token: string }>;
  log?(line: string): void;
}

export interface ClientHost extends SyncApi {
  subscribe(fn: () => void): () => void;
  /** The server the engine talks to now. */
  serverUrl(): string;
  stop(): Promise<void>;
}

export async function startClientHost(deps: HostDeps): Promise<ClientHost> {
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((fn) => fn());
  let engine: RunningEngine | null = null;
  let unsubscribe: (() => void) | null = null;
  let startError: unknown = null;
  let currentUrl = '';
  let embeddedUrl = '';
  let embeddedToken = '';
  let queue: Promise<void> = Promise.resolve();

  async function launch(): Promise<void> {
    const s = readSettings(deps.settings);
    let serverUrl = s.serverUrl;
    let token = s.token;
    try {
      if (!serverUrl) {
        const embedded = await deps.embeddedServer();
        serverUrl = embeddedUrl = embedded.url;
        token = embeddedToken = embedded.token;
      }
      currentUrl = serverUrl;
      engine = await deps.startEngine({ folder: s.folder, serverUrl, token, deviceName: s.deviceName, paused: s.paused, accountKey: accountKey(s.serverUrl || null, token), limits: { upLimitKBps: s.upLimitKBps, downLimitKBps: s.downLimitKBps }, poll: s.pollForChanges, pollIntervalMs: s.pollIntervalMs });
      startError = null;
      unsubscribe = engine.subscribe(notify);
    } catch (error) {
      startError = error;
      deps.log?.(`start sync: ${(error as Error).message}`);
    }
    notify();
  }

  async function shutdown(): Promise<void> {
    unsubscribe?.();
    unsubscribe = null;
    const old = engine;
    engine = null;
    await old?.stop();
  }

  /** Serialises restarts so two quick Preferences saves cannot run two engines. */
  function serial(job: () => Promise<void>): Promise<void> {
    queue = queue.then(job, job);
    return queue;
  }

  function running(): RunningEngine {
    if (engine) return engine;
    throw Object.assign(new Error(`start sync: ${toErrorData(startError ?? 'the engine is restarting').message}`), {
      code: 'unavailable',
    });
  }

  /** A status to show when the engine could not start: the reason, in the same shape. */
  function stoppedStatus(): SyncStatus {
    const s = readSettings(deps.settings);
    const error = toErrorData(startError ?? 'starting');
    return {
      state: startError ? 'error' : 'scanning',
      summary: startError ? `Error: ${error.message}` : 'Starting…',
      folder: s.folder,
      device: s.deviceName,
      serverUrl: currentUrl,
      error: startError ? error : null,
      pending: { up: { files: 0, bytes: 0 }, down: { files: 0, bytes: 0 } },
      rates: { upBytesPerSec: 0, downBytesPerSec: 0 },
      totals: { sentBytes: 0, receivedBytes: 0 },
      recent: [],
      problems: [],
      warnings: [],
      storage: { mode: 'inhouse', detail: '', tiers: null },
      pendingDeletes: null,
      lastSyncedAt: null,
      seq: 0,
      excludedFolders: [],
      includedFolders: [],
    };
  }

  await serial(launch);

  const host: ClientHost = {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    serverUrl: () => currentUrl,
    async getStatus() {
      return engine ? engine.getStatus() : stoppedStatus();
    },
    async pause() {
      deps.settings.set({ paused: true });
      await running().pause();
    },
    async resume() {
      deps.settings.set({ paused: false });
      await running().resume();
    },
    syncNow: () => running().syncNow(),
    confirmDeletes: () => running().confirmDeletes(),
    cancelDeletes: () => running().cancelDeletes(),
    listConflicts: () => running().listConflicts(),
    resolveConflict: (path, keep) => running().resolveConflict(path, keep),
    listIgnored: () => running().listIgnored(),
    // Before the engine runs there are no events yet; its first status carries seq 0.
    eventsSince: async (since) => (engine ? engine.eventsSince(since) : { events: [], seq: 0, missed: false }),
    listServerFolders: (parent) => running().listServerFolders(parent),
    getExcludedFolders: () => running().getExcludedFolders(),
    setExcludedFolders: (paths, included) => running().setExcludedFolders(paths, included),
    listRevisions: (path) => running().listRevisions(path),
    restoreVersion: (request) => running().restoreVersion(request),
    async getSettings() {
      return publicSettings(readSettings(deps.settings), currentUrl, embeddedToken);
    },
    async updateSettings(patch: SettingsPatch) {
      const restart = applyPatch(deps.settings, patch, embeddedUrl);
      const now = readSettings(deps.settings);
      engine?.setLimits({ upLimitKBps: now.upLimitKBps, downLimitKBps: now.downLimitKBps });
      if (patch.pollForChanges !== undefined || patch.pollIntervalMs !== undefined) await engine?.setPolling(now.pollForChanges, now.pollIntervalMs);
      if (restart) await serial(async () => {
        await shutdown();
        await launch();
      });
      return publicSettings(readSettings(deps.settings), currentUrl, embeddedToken);
    },
    stop: () => serial(shutdown),
  };
  return host;
}
