// The status window: the renderer bundle in a locked-down BrowserWindow. Context isolation
// and the sandbox are on, Node is off, the page may not navigate or open windows, and every
// response carries the same CSP the web UI gets.

import { BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UI_CSP } from '../../shared/node/api-bridge/ui-files.js';

/** The renderer's index.html in the built app (Forge's layout: .vite/build → .vite/renderer). */
export function rendererIndex(): string {
  return join(__dirname, '..', 'renderer', MAIN_WINDOW_VITE_NAME, 'index.html');
}

export function isAppUrl(url: string): boolean {
  if (MAIN_WINDOW_VITE_DEV_SERVER_URL && url.startsWith(MAIN_WINDOW_VITE_DEV_SERVER_URL)) return true;
  return url.split('#')[0] === pathToFileURL(rendererIndex()).href;
}

let cspInstalled = false;

export function createStatusWindow(iconPath: string): BrowserWindow {
  if (!cspInstalled) {
    cspInstalled = true;
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [UI_CSP] } });
    });
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  }
  const win = new BrowserWindow({
    width: 920,
    height: 760,
    minWidth: 520,
    minHeight: 480,
    show: false,
    title: 'Hybrid Sync',
    icon: iconPath,
    autoHideMenuBar: true,
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to the web (e.g. a server URL) open in the user's browser, never in the app.
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.once('ready-to-show', () => win.show());
  if (MAIN_WINDOW_VITE_DEV_SERVER_URL) void win.loadURL(MAIN_WINDOW_VITE_DEV_SERVER_URL);
  else void win.loadFile(rendererIndex());
  return win;
}
