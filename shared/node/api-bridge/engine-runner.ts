// Starts the real engine for a client host: HttpRemote to the server (with the S3 fallback
// tier in front), one index per synced folder under the state dir, watcher and long-poll
// on. The pause state is applied before the first cycle, so a client left paused does not
// send anything on restart.

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { listConflicts, resolveConflict } from '../engine/conflicts.js';
import { fileHistory } from '../engine/file-history.js';
import { loadIgnoreRules } from '../engine/ignore-rules.js';
import { listIgnored } from '../engine/ignored-paths.js';
import { SyncEngine } from '../engine/engine.js';
import { restoreInEngine } from '../engine/restore.js';
import { HttpRemote } from '../remote/http-remote.js';
import { applyLimits, ThrottledRemote, transferLimits } from '../remote/throttled-remote.js';
import { TieredRemote } from '../remote/tiered-remote.js';
import type { EngineConfig, RunningEngine } from './client-host.js';
import { folderStateDir } from './state-dir.js';

const TIER_REFRESH_MS = 60_000;

export async function startRealEngine(config: EngineConfig, stateDir: string, log?: (line: string) => void): Promise<RunningEngine> {
  const root = resolve(config.folder);
  await mkdir(root, { recursive: true });
  const http = new HttpRemote(config.serverUrl, config.token);
  const storageListeners = new Set<() => void>();
  const remote = new TieredRemote(http, { onStorageChange: () => storageListeners.forEach((fn) => fn()) });
  const limits = transferLimits(config.limits);
  const engine = new SyncEngine({ root, stateDir: folderStateDir(stateDir, root, config.accountKey), remote: new ThrottledRemote(remote, limits), device: config.deviceName, log, poll: config.poll, pollIntervalMs: config.pollIntervalMs });
  // Bytes and blocks per tier, for the status window; a server without the figures is fine.
  const refreshTiers = () => void remote.refreshTierStats().catch(() => undefined);
  const tierTimer = setInterval(refreshTiers, TIER_REFRESH_MS);
  tierTimer.unref();
  refreshTiers();
  if (config.paused) await engine.pause();
  await engine.start();
  return {
    subscribe(fn) {
      storageListeners.add(fn);
      const off = engine.status.subscribe(() => fn());
      return () => {
        storageListeners.delete(fn);
        off();
      };
    },
    // The tier state (in-house, S3 placement, S3 fallback) is the remote's to know.
    getStatus: async () => ({ ...engine.getStatus(), storage: remote.storage() }),
    setLimits: (next) => applyLimits(limits, next),
    setPolling: (poll, intervalMs) => engine.setPolling(poll, intervalMs),
    pause: () => engine.pause(),
    resume: () => engine.resume(),
    syncNow: () => engine.syncNow(),
    confirmDeletes: () => engine.confirmDeletes(),
    cancelDeletes: () => engine.cancelDeletes(),
    listConflicts: async () => listConflicts(engine.index.base),
    resolveConflict: (path, keep) => engine.betweenCycles(() => resolveConflict(engine.disk.fs, root, engine.index.base, path, keep)),
    listIgnored: () => listIgnored(engine.disk.fs, root, loadIgnoreRules(engine.disk.fs, root)),
    eventsSince: async (since) => engine.status.eventsSince(since),
    listServerFolders: async (parent) => engine.serverFolders(parent),
    getExcludedFolders: async () => engine.excludedFolders(),
    setExcludedFolders: (paths, included) => engine.setExcludedFolders(paths, included),
    listRevisions: (path) => fileHistory(engine.remote, path),
    restoreVersion: (request) => restoreInEngine(engine, request),
    async stop() {
      clearInterval(tierTimer);
      await engine.stop();
      http.close();
    },
  };
}
