// The desktop app's composition root: settings (electron-store), the engine behind a
// client host, the tray, the status window and IPC. Everything with logic lives below
// (shared/node, tray-menu.ts, ipc-handlers.ts); this file only connects the parts.

import { app, ipcMain, Menu, nativeImage, Notification, shell, Tray, type BrowserWindow } from 'electron';
import Store from 'electron-store';
import { join } from 'node:path';
import { noticesFor } from '../../shared/common/notifications.js';
import type { SyncStatus } from '../../shared/common/sync-api.js';
import { STATUS_CHANNEL } from '../../shared/common/sync-bridge.js';
import { startClientHost, type ClientHost } from '../../shared/node/api-bridge/client-host.js';
import { defaultDataDir, defaultSettings, readSettings, SETTINGS_SCHEMA, type StoredSettings } from '../../shared/node/api-bridge/client-settings.js';
import { startRealEngine } from '../../shared/node/api-bridge/engine-runner.js';
import { defaultStateDir } from '../../shared/node/api-bridge/state-dir.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../../shared/node/private-files.js';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';
import { registerIpcHandlers } from './ipc-handlers.js';
import { serverLaunch } from './server-launch.js';
import { hsyncRunner } from './server-runner.js';
import { createStatusWindow, isAppUrl } from './status-window.js';
import { trayIconName, trayTemplate, type TrayActions } from './tray-menu.js';

/** Icons are copied next to the bundle by vite.main.config.ts. */
const icon = (name: string) => join(__dirname, 'icons', name);

export async function startDesktopApp(): Promise<void> {
  // config.json holds the tokens: a private file in a private folder, whatever the umask.
  makePrivateDir(app.getPath('userData'));
  const settings = new Store<StoredSettings>({
    name: 'config',
    configFileMode: PRIVATE_FILE_MODE,
    schema: SETTINGS_SCHEMA,
    defaults: defaultSettings(),
    clearInvalidConfig: true,
  });
  const firstRun = !settings.get('embeddedToken') && !settings.get('serverUrl');
  await app.whenReady();
  Menu.setApplicationMenu(null);

  let embedded: EmbeddedServer | null = null;
  const host: ClientHost = await startClientHost({
    settings,
    startEngine: (config) => startRealEngine(config, process.env.HSYNC_STATE_DIR || defaultStateDir(), (line) => console.log(line)),
    async embeddedServer() {
      embedded ??= await startEmbeddedServer({
        run: hsyncRunner(serverLaunch({ packaged: app.isPackaged, appPath: app.getAppPath(), bundleDir: __dirname, env: process.env })),
        dataDir: join(process.env.HSYNC_DATA_DIR || defaultDataDir(), 'server'),
        token: readSettings(settings).embeddedToken,
        userName: 'me',
        saveToken: (token) => settings.set('embeddedToken', token),
      });
      return embedded;
    },
    log: (line) => console.error(line),
  });

  let window: BrowserWindow | null = null;
  function showWindow(): BrowserWindow {
    if (!window || window.isDestroyed()) {
      window = createStatusWindow(icon('app.png'));
      window.on('closed', () => (window = null));
      window.webContents.on('did-finish-load', () => void refresh().catch(logError));
    } else {
      window.show();
      window.focus();
    }
    return window;
  }

  registerIpcHandlers(ipcMain, host, {
    windows: () => (window && !window.isDestroyed() ? [window.webContents] : []),
    isAppUrl,
  });

  const actions: TrayActions = {
    openFolder: () => void shell.openPath(readSettings(settings).folder),
    openStatusWindow: () => void showWindow(),
    pause: () => void host.pause().catch(logError),
    resume: () => void host.resume().catch(logError),
    // Preferences live in the status window.
    openPreferences: () => {
      const win = showWindow();
      const open = () => void win.webContents.executeJavaScript("document.getElementById('open-prefs')?.click()").catch(logError);
      if (win.webContents.isLoading()) win.webContents.once('did-finish-load', open);
      else open();
    },
    quit: () => app.quit(),
  };

  const tray = new Tray(nativeImage.createFromPath(icon('tray-ok.png')));
  tray.setToolTip('Hybrid Sync');
  let lastIcon = '';
  let lastStatus: SyncStatus | null = null;
  // Only what needs the user (shared/common/notifications.ts); a click opens the status window.
  const notify = (status: SyncStatus) => {
    if (!Notification.isSupported()) return;
    for (const notice of noticesFor(lastStatus, status)) {
      const note = new Notification({ title: notice.title, body: notice.body, icon: icon('app.png') });
      note.on('click', () => void showWindow());
      note.show();
    }
  };
  // Declared before the window can exist: a loaded window asks for a refresh.
  async function refresh(): Promise<void> {
    const status: SyncStatus = await host.getStatus();
    tray.setContextMenu(Menu.buildFromTemplate(trayTemplate(status, actions)));
    tray.setToolTip(`Hybrid Sync — ${status.summary}`);
    const name = trayIconName(status);
    if (name !== lastIcon) tray.setImage(nativeImage.createFromPath(icon(name)));
    lastIcon = name;
    notify(status);
    lastStatus = status;
    if (window && !window.isDestroyed()) window.webContents.send(STATUS_CHANNEL, status);
  }
  // Status changes come in bursts during a sync; redraw the tray at most every 250 ms.
  let pending: NodeJS.Timeout | null = null;
  const schedule = () => {
    pending ??= setTimeout(() => {
      pending = null;
      refresh().catch(logError);
    }, 250);
  };
  host.subscribe(schedule);
  await refresh();

  app.setLoginItemSettings({ openAtLogin: readSettings(settings).startAtLogin });
  settings.onDidChange('startAtLogin', (value) => app.setLoginItemSettings({ openAtLogin: value === true }));

  app.on('second-instance', () => showWindow());
  // Closing the window keeps syncing in the tray; Quit in the tray menu ends the app.
  app.on('window-all-closed', () => undefined);
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    void (async () => {
      if (pending) clearTimeout(pending);
      await host.stop().catch(logError);
      await embedded?.close().catch(logError);
      tray.destroy();
      app.quit();
    })();
  });

  // First run: show the window so the user sees the folder start syncing.
  if (firstRun || process.argv.includes('--show')) showWindow();
}

function logError(error: unknown): void {
  console.error(`Hybrid Sync: ${(error as Error).message ?? String(error)}`);
}
