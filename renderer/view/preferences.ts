// The Preferences dialog: server URL + token, folder, device name, bandwidth caps, start at
// login, polling for changes (folders on network or FUSE mounts send no change events) and how
// often it checks, and the
// folders to sync on this device (folder-tree.ts). The token field is write-only (the API never returns it); leaving it empty keeps the current one.

import { MAX_LIMIT_KBPS, MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS, pollIntervalProblem, type SettingsPatch, type SyncApi } from '../../shared/common/sync-api.js';
import { byId } from './dom.js';
import { setupFolderTree } from './folder-tree.js';

export function setupPreferences(api: SyncApi): void {
  const dialog = byId<HTMLDialogElement>('prefs');
  const form = byId<HTMLFormElement>('prefs-form');
  const error = byId('prefs-error');
  const input = (id: string) => byId<HTMLInputElement>(id);
  const folders = setupFolderTree(api);

  byId('open-prefs').addEventListener('click', async () => {
    error.hidden = true;
    try {
      const s = await api.getSettings();
      input('pref-server').value = s.serverUrl;
      input('pref-folder').value = s.folder;
      input('pref-device').value = s.deviceName;
      input('pref-login').checked = s.startAtLogin;
      input('pref-poll').checked = s.pollForChanges;
      input('pref-poll-interval').value = String(s.pollIntervalMs / 1000);
      input('pref-up-limit').value = String(s.upLimitKBps);
      input('pref-down-limit').value = String(s.downLimitKBps);
      input('pref-token').value = '';
      input('pref-token').placeholder = s.hasToken ? 'unchanged (a token is set)' : 'paste the token from your server';
    } catch (e) {
      showError(`Could not read settings: ${(e as Error).message}`);
    }
    dialog.showModal();
    await folders.load();
  });

  byId('prefs-cancel').addEventListener('click', () => dialog.close());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const patch: SettingsPatch = {
      serverUrl: input('pref-server').value.trim(),
      folder: input('pref-folder').value.trim(),
      deviceName: input('pref-device').value.trim(),
      startAtLogin: input('pref-login').checked,
      pollForChanges: input('pref-poll').checked,
    };
    const upLimit = kbps(input('pref-up-limit').value);
    const downLimit = kbps(input('pref-down-limit').value);
    if (upLimit === null || downLimit === null) return showError('Bandwidth limits are whole numbers of KB/s; 0 means no limit.');
    patch.upLimitKBps = upLimit;
    patch.downLimitKBps = downLimit;
    const pollIntervalMs = Math.round(Number(input('pref-poll-interval').value.trim()) * 1000);
    if (pollIntervalProblem(pollIntervalMs)) {
      return showError(`The polling interval is from ${MIN_POLL_INTERVAL_MS / 1000} to ${MAX_POLL_INTERVAL_MS / 1000} seconds.`);
    }
    patch.pollIntervalMs = pollIntervalMs;
    const token = input('pref-token').value.trim();
    if (token) patch.token = token;
    if (!/^https?:\/\/[^\s/]+/.test(patch.serverUrl ?? '')) return showError('Server URL must start with http:// or https://');
    if (!patch.folder) return showError('Choose a folder to sync.');
    if (!patch.deviceName) return showError('Give this device a name.');
    try {
      await api.updateSettings(patch);
      const selection = folders.changed();
      if (selection) await api.setExcludedFolders(selection.excluded, selection.included);
      dialog.close();
    } catch (e) {
      showError(`Not saved: ${(e as Error).message}`);
    }
  });

  /** An empty field is no limit; anything but a whole number ≥ 0 is refused. */
  function kbps(text: string): number | null {
    const t = text.trim();
    if (t === '') return 0;
    return /^\d+$/.test(t) && Number(t) <= MAX_LIMIT_KBPS ? Number(t) : null;
  }

  function showError(message: string): void {
    error.textContent = message;
    error.hidden = false;
  }
}
