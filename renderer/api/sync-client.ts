// The one module through which the window reads and drives the engine: a SyncApi whose
// methods are derived from SYNC_API_METHODS over whichever transport this page has.
// Errors come back as data; here they are rethrown as { code, message } errors.

import { SYNC_API_METHODS, type SyncApi, type SyncApiMethod } from '../../shared/common/sync-api.js';
import { BRIDGE_NAME, type SyncBridge } from '../../shared/common/sync-bridge.js';
import { httpTransport } from './http-transport.js';
import type { Transport } from './transport.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createSyncClient(transport: Transport): SyncApi {
  const api = {} as Record<SyncApiMethod, (...args: unknown[]) => Promise<unknown>>;
  for (const method of Object.keys(SYNC_API_METHODS) as SyncApiMethod[]) {
    api[method] = async (...args: unknown[]) => {
      const result = await transport.call(method, args);
      if (!result.ok) throw new ApiError(result.error.code, result.error.message);
      return result.value;
    };
  }
  return api as unknown as SyncApi;
}

/** IPC through the preload's bridge: in Electron, window.hybridSync exists; nowhere else. */
function ipcTransport(bridge: SyncBridge): Transport {
  return {
    call: (method, args) => (bridge[method] as (...a: unknown[]) => ReturnType<Transport['call']>)(...args),
    watch(onStatus, onConnection) {
      onConnection('connected');
      return bridge.onStatus(onStatus);
    },
  };
}

/** Picks the transport for this page. */
export function pageTransport(): Transport {
  const bridge = (globalThis as Record<string, unknown>)[BRIDGE_NAME] as SyncBridge | undefined;
  return bridge ? ipcTransport(bridge) : httpTransport(location);
}
