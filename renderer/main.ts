// The status window's entry: connects to the engine (IPC or HTTP), renders every status
// push, and wires the controls. All engine access goes through the SyncApi client.

import type { SyncStatus } from '../shared/common/sync-api.js';
import { createSyncClient, pageTransport } from './api/sync-client.js';
import { byId } from './view/dom.js';
import { setupConflicts } from './view/conflicts-view.js';
import { setupHistory } from './view/history-view.js';
import { setupIgnored } from './view/ignored-view.js';
import { setupPreferences } from './view/preferences.js';
import { renderConnection, renderStatus } from './view/status-view.js';

const transport = pageTransport();
const api = createSyncClient(transport);
let current: SyncStatus | null = null;

function showError(message: string): void {
  const box = byId('connection');
  box.textContent = message;
  box.hidden = false;
}
const conflictsSeen = setupConflicts(api, showError);

transport.watch(
  (status) => {
    current = status;
    renderStatus(status);
    conflictsSeen(status);
  },
  (connection) => {
    renderConnection(connection);
    if (connection === 'connected' && current) renderStatus(current);
  },
);

// Relative times ("2 min ago") advance even when nothing changes.
setInterval(() => current && renderStatus(current), 30_000);

/** Runs a control's action with the button disabled, showing a failure in the banner. */
function action(id: string, run: () => Promise<unknown>): void {
  const button = byId<HTMLButtonElement>(id);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await run();
    } catch (e) {
      showError(`${button.textContent}: ${(e as Error).message}`);
    } finally {
      button.disabled = false;
    }
  });
}

action('pause', () => (current?.state === 'paused' ? api.resume() : api.pause()));
action('sync-now', () => api.syncNow());
action('delete-confirm', () => api.confirmDeletes());
action('delete-cancel', () => api.cancelDeletes());
setupPreferences(api);
setupIgnored(api, showError);
setupHistory(api, showError);
