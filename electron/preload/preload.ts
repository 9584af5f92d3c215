// The status window's only door to the app: one named object, window.hybridSync, with one
// function per SyncApi method (derived from SYNC_API_METHODS) and a status subscription.
// Nothing else of Electron or Node reaches the page.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { SYNC_API_METHODS, type SyncApiMethod, type SyncStatus } from '../../shared/common/sync-api.js';
import { BRIDGE_NAME, STATUS_CHANNEL, ipcChannel, type SyncBridge } from '../../shared/common/sync-bridge.js';

const bridge: Record<string, unknown> = {
  onStatus(fn: (status: SyncStatus) => void) {
    const listener = (_event: IpcRendererEvent, status: SyncStatus) => fn(status);
    ipcRenderer.on(STATUS_CHANNEL, listener);
    // Ask main for the current status now, so the window need not wait for a change.
    void ipcRenderer.invoke(ipcChannel('getStatus')).then((result: { ok: boolean; value?: SyncStatus }) => {
      if (result.ok && result.value) fn(result.value);
    });
    return () => ipcRenderer.removeListener(STATUS_CHANNEL, listener);
  },
};
for (const method of Object.keys(SYNC_API_METHODS) as SyncApiMethod[]) {
  bridge[method] = (...args: unknown[]) => ipcRenderer.invoke(ipcChannel(method), ...args);
}

contextBridge.exposeInMainWorld(BRIDGE_NAME, bridge as SyncBridge);
