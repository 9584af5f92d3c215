// Starts the real engine for a client host: HttpRemote to the server (with the S3 fallback
// tier in front), one index per synced folder under the state dir, watcher and long-poll
// on. The pause state is applied before the first cycle, so a client left paused does not
// send anything on restart.

import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SyncEngine } from '../engine/engine.js';
import { HttpRemote } from '../remote/http-remote.js';
import { TieredRemote } from '../remote/tiered-remote.js';
import type { EngineConfig, RunningEngine } from './client-host.js';

const TIER_REFRESH_MS = 60_000;

/**
 * The state folder of one synced root on one account: its own index (the merge base). Keyed
 * by folder and account (server URL and token), so pointing the app at another server or account in
 * Preferences starts from an empty base — local files are offered as new, never deleted —
 * instead of reusing a base that belongs to another journal (which the engine refuses as a
 * changed server identity).
 */
export function folderStateDir(stateDir: string, folder: string, accountKey = ''): string {
  const id = createHash('sha256').update(`${resolve(folder)}\n${accountKey}`).digest('hex').slice(0, 16);
  return join(stateDir, 'folders', id);
}

export async function startRealEngine(config: EngineConfig, stateDir: string, log?: (line: string) => void): Promise<RunningEngine> {
  const root = resolve(config.folder);
  await mkdir(root, { recursive: true });
  const http = new HttpRemote(config.serverUrl, config.token);
  const storageListeners = new Set<() => void>();
  const remote = new TieredRemote(http, { onStorageChange: () => storageListeners.forEach((fn) => fn()) });
  const engine = new SyncEngine({ root, stateDir: folderStateDir(stateDir, root, config.accountKey), remote, device: config.deviceName, log });
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
    pause: () => engine.pause(),
    resume: () => engine.resume(),
    syncNow: () => engine.syncNow(),
    confirmDeletes: () => engine.confirmDeletes(),
    cancelDeletes: () => engine.cancelDeletes(),
    async stop() {
      clearInterval(tierTimer);
      await engine.stop();
      http.close();
    },
  };
}
