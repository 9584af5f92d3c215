// The Electron side of the SyncApi contract: IPC channel names and the shape of the API the
// preload exposes to the status window. Both are derived from SyncApi / SYNC_API_METHODS,
// so main, preload and renderer cannot drift from the contract or from each other.

import type { ApiResult, SyncApi, SyncApiMethod, SyncStatus } from './sync-api.js';

/** IPC channel for one SyncApi method (ipcRenderer.invoke → ipcMain.handle). */
export function ipcChannel(method: SyncApiMethod): string {
  return `sync:${method}`;
}

/** IPC channel on which main pushes status changes to the window. */
export const STATUS_CHANNEL = 'sync:status-changed';

/** The global name under which the preload exposes the bridge (window.hybridSync). */
export const BRIDGE_NAME = 'hybridSync';

/** Every SyncApi method, returning the envelope instead of throwing (errors cross as data). */
export type SyncBridge = {
  [K in SyncApiMethod]: (...args: Parameters<SyncApi[K]>) => Promise<ApiResult<Awaited<ReturnType<SyncApi[K]>>>>;
} & {
  /** Calls fn with each new status; returns the unsubscribe function. */
  onStatus(fn: (status: SyncStatus) => void): () => void;
};
