// IPC for the status window, derived from SYNC_API_METHODS: one ipcMain.handle per method.
// Each call is checked before it reaches the engine: the sender must be one of our windows
// showing our own page (not a frame or a page it navigated to), and the arguments must pass
// the contract's validator. Results and errors cross as the ApiResult envelope.

import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { toErrorData } from '../../shared/common/errors.js';
import { SYNC_API_METHODS, type ApiResult, type SyncApi, type SyncApiMethod } from '../../shared/common/sync-api.js';
import { ipcChannel } from '../../shared/common/sync-bridge.js';

export interface SenderPolicy {
  /** The webContents of our status windows. */
  windows(): WebContents[];
  /** Whether a frame URL is our renderer page. */
  isAppUrl(url: string): boolean;
}

export function senderProblem(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, policy: SenderPolicy): string | null {
  if (!policy.windows().includes(event.sender)) return 'unknown sender';
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return 'not the top frame';
  if (!policy.isAppUrl(frame.url)) return `page "${frame.url}" is not the app`;
  return null;
}

export function registerIpcHandlers(ipcMain: IpcMain, api: SyncApi, policy: SenderPolicy): () => void {
  const methods = Object.keys(SYNC_API_METHODS) as SyncApiMethod[];
  for (const method of methods) {
    ipcMain.handle(ipcChannel(method), async (event, ...args: unknown[]): Promise<ApiResult<unknown>> => {
      const refused = senderProblem(event, policy);
      if (refused) return { ok: false, error: { code: 'forbidden', message: `call ${method}: ${refused}` } };
      const reason = SYNC_API_METHODS[method].validate(args);
      if (reason) return { ok: false, error: { code: 'bad_request', message: `call ${method}: ${reason}` } };
      try {
        const value = await (api[method] as (...a: unknown[]) => Promise<unknown>).apply(api, args);
        return { ok: true, value: value ?? null };
      } catch (error) {
        return { ok: false, error: toErrorData(error) };
      }
    });
  }
  return () => methods.forEach((method) => ipcMain.removeHandler(ipcChannel(method)));
}
