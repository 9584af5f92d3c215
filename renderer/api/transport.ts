// How the status window reaches the engine. Two transports implement it: IPC through the
// preload in Electron, HTTP + server-sent events in a browser. The rest of the window only
// sees the SyncApi built from it in sync-client.ts.

import type { ApiResult, SyncApiMethod, SyncStatus } from '../../shared/common/sync-api.js';

export type Connection = 'connecting' | 'connected' | 'lost' | 'no-token';

export interface Transport {
  call(method: SyncApiMethod, args: unknown[]): Promise<ApiResult<unknown>>;
  /** Status pushes; `onConnection` reports whether the engine can be reached at all. */
  watch(onStatus: (status: SyncStatus) => void, onConnection: (c: Connection) => void): () => void;
}
