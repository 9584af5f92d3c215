// The tray: an icon per state and the context menu of the issue. On Linux tray clicks are
// unreliable, so everything is in the context menu. The template is built by a pure function
// so tests can read it from the fake Tray as a user reads the menu.

import type { MenuItemConstructorOptions } from 'electron';
import { stateTone, trayLine, type Tone } from '../../shared/common/status-words.js';
import type { SyncStatus } from '../../shared/common/sync-api.js';

export interface TrayActions {
  openFolder(): void;
  openStatusWindow(): void;
  pause(): void;
  resume(): void;
  openPreferences(): void;
  quit(): void;
}

export function trayTemplate(status: SyncStatus, actions: TrayActions): MenuItemConstructorOptions[] {
  const paused = status.state === 'paused';
  return [
    { id: 'status', label: trayLine(status), enabled: false },
    { type: 'separator' },
    { id: 'open-folder', label: 'Open folder', click: () => actions.openFolder() },
    { id: 'open-window', label: 'Open status window', click: () => actions.openStatusWindow() },
    paused
      ? { id: 'resume', label: 'Resume syncing', click: () => actions.resume() }
      : { id: 'pause', label: 'Pause syncing', click: () => actions.pause() },
    { id: 'preferences', label: 'Preferences…', click: () => actions.openPreferences() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Hybrid Sync', click: () => actions.quit() },
  ];
}

/** The tray icon file for a state: assets/tray-<tone>.png, copied next to the bundle. */
export function trayIconName(status: Pick<SyncStatus, 'state'>): `tray-${Tone}.png` {
  return `tray-${stateTone(status.state)}.png`;
}
