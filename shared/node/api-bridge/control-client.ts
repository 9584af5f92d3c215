// The other end of control-server.ts for local tools: finds the running client through
// control.json and calls it. Every SyncApi method is derived from SYNC_API_METHODS, so a
// new method needs no change here.

import { SyncError, isErrorCode } from '../../common/errors.js';
import { SYNC_API_METHODS, type ApiResult, type SyncApi, type SyncApiMethod } from '../../common/sync-api.js';
import { readControlFile, type ControlInfo } from './control-file.js';

/** Calls one method; throws SyncError with the remote code, or 'unavailable' if nothing answers. */
export async function callControl(info: ControlInfo, method: SyncApiMethod, args: unknown[] = []): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${info.url}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new SyncError('unavailable', `call ${method} at ${info.url}: no client answers (it may have stopped)`, { cause: error });
  }
  let result: ApiResult<unknown>;
  try {
    result = (await response.json()) as ApiResult<unknown>;
  } catch (error) {
    throw new SyncError('internal', `call ${method} at ${info.url}: answer is not JSON (HTTP ${response.status})`, { cause: error });
  }
  if (result.ok) return result.value;
  const code = isErrorCode(result.error?.code) ? result.error.code : 'internal';
  throw new SyncError(code, String(result.error?.message ?? `HTTP ${response.status}`));
}

/** A SyncApi that forwards every call to the client whose control.json is in stateDir. */
export async function connectControl(stateDir: string): Promise<SyncApi> {
  const info = await readControlFile(stateDir);
  const api = {} as Record<SyncApiMethod, (...args: unknown[]) => Promise<unknown>>;
  for (const method of Object.keys(SYNC_API_METHODS) as SyncApiMethod[]) {
    api[method] = (...args: unknown[]) => callControl(info, method, args);
  }
  return api as unknown as SyncApi;
}
