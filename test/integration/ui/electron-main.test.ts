// The built Electron main bundle (.vite/build/main.cjs) under Node, with a fake 'electron'
// module: a real engine syncing a real folder with a real server process. The tray menu's
// items drive pause/resume on the engine; IPC refuses unknown senders and bad arguments.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { build } from 'vite';
import type { ApiResult, SyncStatus } from '../../../shared/common/sync-api.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { createFakeElectron, FakeWebContents, installFakeElectron, type FakeElectron, type MenuItem } from '../../helpers/fake-electron/fake-electron.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const BUNDLE = join(ROOT, '.vite', 'build', 'main.cjs');
const APP_PAGE = pathToFileURL(join(ROOT, '.vite', 'renderer', 'main_window', 'index.html')).href;

let dir: string;
let folder: string;
let server: ServerProcess;
let token: string;
let fake: FakeElectron;
let uninstall: () => void;

async function until<T>(what: string, probe: () => T | Promise<T>, ms = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tray = () => fake.trays[0];
const item = (id: string): MenuItem | undefined => tray()?.menu.find((i) => i.id === id);

async function serverPaths(): Promise<string[]> {
  const remote = new HttpRemote(server.url, token);
  try {
    const page = await remote.list(0, 1000);
    return page.entries.filter((e) => !e.deleted).map((e) => e.path).sort();
  } finally {
    remote.close();
  }
}

before(async () => {
  await build({ configFile: join(ROOT, 'vite.main.config.ts'), logLevel: 'warn' });
  dir = await mkdtemp(join(tmpdir(), 'hsync-electron-'));
  folder = join(dir, 'Sync');
  server = await startServerProcess();
  token = await server.addUser('desk');
  const userData = join(dir, 'userData');
  await mkdir(userData, { recursive: true });
  // As if Preferences had been filled in: a real server, so no embedded one is started.
  await writeFile(join(userData, 'config.json'), JSON.stringify({ folder, serverUrl: server.url, token, deviceName: 'desk' }));
  process.env.HSYNC_STATE_DIR = join(dir, 'state');
  fake = createFakeElectron({ userData, appPath: ROOT });
  uninstall = installFakeElectron(fake);
  createRequire(import.meta.url)(BUNDLE);
  await until('the tray', () => tray()?.menu.length);
});

after(async () => {
  if (!fake.app.quitted) {
    fake.app.quit();
    await fake.quitted;
  }
  uninstall();
  delete process.env.HSYNC_STATE_DIR;
  await server.dispose();
  await rm(dir, { recursive: true, force: true });
});

test('the tray menu has the status line and every action', async () => {
  await until('Up to date', () => item('status')?.label === 'Up to date');
  const labels = tray().menu.filter((i) => i.type !== 'separator').map((i) => i.label);
  assert.deepEqual(labels, ['Up to date', 'Open folder', 'Open status window', 'Pause syncing', 'Preferences…', 'Quit Hybrid Sync']);
  assert.equal(item('status')!.enabled, false);
  assert.match(tray().image, /icons\/tray-ok\.png$/);

  item('open-folder')!.click!();
  await until('the folder opened', () => fake.opened.includes(folder));
});

test('Pause syncing in the tray stops uploads; Resume syncing sends them', async () => {
  item('pause')!.click!();
  await until('Paused in the tray', () => item('status')?.label === 'Paused');
  assert.ok(item('resume'), 'the menu now offers Resume syncing');
  assert.equal(item('pause'), undefined);
  assert.match(tray().image, /tray-paused\.png$/);
  const stored = JSON.parse(await readFile(join(dir, 'userData', 'config.json'), 'utf8'));
  assert.equal(stored.paused, true, 'the pause survives a restart');
  // The settings file holds the token: written owner-only, in an owner-only folder (it was made 0644 here).
  assert.equal(((await stat(join(dir, 'userData', 'config.json'))).mode & 0o777).toString(8), '600');
  assert.equal(((await stat(join(dir, 'userData'))).mode & 0o777).toString(8), '700');
  assert.equal(((await stat(join(dir, 'state'))).mode & 0o777).toString(8), '700');

  await writeFile(join(folder, 'while-paused.txt'), 'kept local until resume\n');
  // Sync now, from the status window, answers once the engine has run its cycle: a paused
  // one runs none, so nothing may be on the server by then.
  item('open-window')!.click!();
  const win = await until('a status window', () => fake.windows.find((w) => !w.destroyed));
  const asked = (await fake.invoke(win.webContents, APP_PAGE, 'sync:syncNow')) as ApiResult<null>;
  assert.equal(asked.ok, true);
  assert.deepEqual(await serverPaths(), [], 'nothing was sent while paused');

  item('resume')!.click!();
  await until('the file on the server', async () => (await serverPaths()).includes('while-paused.txt'));
  await until('Up to date after resume', () => item('status')?.label === 'Up to date');
  assert.equal(JSON.parse(await readFile(join(dir, 'userData', 'config.json'), 'utf8')).paused, false);
});

test('IPC answers the status window and refuses others and bad arguments', async () => {
  item('open-window')!.click!();
  const win = await until('a status window', () => fake.windows.find((w) => !w.destroyed));
  const prefs = win.options.webPreferences as Record<string, unknown>;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.match(String(prefs.preload), /preload\.cjs$/);
  assert.equal(win.webContents.url, APP_PAGE);

  const ok = (await fake.invoke(win.webContents, APP_PAGE, 'sync:getStatus')) as ApiResult<SyncStatus>;
  assert.equal(ok.ok, true);
  assert.equal(ok.ok && ok.value.folder, folder);

  const stranger = (await fake.invoke(new FakeWebContents(), APP_PAGE, 'sync:pause')) as ApiResult<null>;
  assert.deepEqual(stranger, { ok: false, error: { code: 'forbidden', message: 'call pause: unknown sender' } });
  const elsewhere = (await fake.invoke(win.webContents, 'https://evil.example/', 'sync:pause')) as ApiResult<null>;
  assert.equal(!elsewhere.ok && elsewhere.error.code, 'forbidden');
  assert.notEqual(item('status')?.label, 'Paused', 'refused calls did not reach the engine');

  const badArgs = (await fake.invoke(win.webContents, APP_PAGE, 'sync:updateSettings', { serverUrl: 'javascript:alert(1)' })) as ApiResult<null>;
  assert.deepEqual(badArgs, { ok: false, error: { code: 'bad_request', message: 'call updateSettings: serverUrl must be an http(s) URL' } });
  const extra = (await fake.invoke(win.webContents, APP_PAGE, 'sync:pause', 'now')) as ApiResult<null>;
  assert.equal(!extra.ok && extra.error.code, 'bad_request');

  const settings = (await fake.invoke(win.webContents, APP_PAGE, 'sync:getSettings')) as ApiResult<Record<string, unknown>>;
  assert.equal(settings.ok, true);
  assert.equal(JSON.stringify(settings).includes(token), false, 'the token never reaches the window');

  await until('a status push to the window', () => win.webContents.sent.some((m) => m.channel === 'sync:status-changed'));

  item('preferences')!.click!();
  await until('Preferences opened in the window', () => win.webContents.scripts.some((code) => code.includes('open-prefs')));
  assert.equal(fake.windows.filter((w) => !w.destroyed).length, 1, 'the same window is reused');
});

test('the preload exposes one named API with a function per SyncApi method', async () => {
  await build({ configFile: join(ROOT, 'vite.preload.config.ts'), logLevel: 'warn' });
  createRequire(import.meta.url)(join(ROOT, '.vite', 'build', 'preload.cjs'));
  const api = fake.exposed.get('hybridSync') as Record<string, (...a: unknown[]) => unknown>;
  assert.deepEqual(Object.keys(api).sort(), ['cancelDeletes', 'confirmDeletes', 'eventsSince', 'getExcludedFolders', 'getSettings', 'getStatus', 'listConflicts', 'listIgnored', 'listRevisions', 'listServerFolders', 'onStatus', 'pause', 'resolveConflict', 'restoreVersion', 'resume', 'setExcludedFolders', 'syncNow', 'updateSettings']);
  await api.pause();
  assert.deepEqual(fake.invoked.at(-1), { channel: 'sync:pause', args: [] });
  assert.equal(fake.exposed.size, 1, 'nothing else is exposed');
});

test('a missing folder raises one desktop notification; routine syncs raised none', async () => {
  assert.equal(fake.notifications.length, 0, 'syncing, pausing and resuming notified nobody');
  const win = await until('a status window', () => fake.windows.find((w) => !w.destroyed));
  const away = `${folder}-away`;
  await rename(folder, away);
  await fake.invoke(win.webContents, APP_PAGE, 'sync:syncNow');
  await until('the notification', () => fake.notifications.length > 0);
  assert.deepEqual(fake.notifications.map((n) => n.title), ['Your Hybrid Sync folder is missing']);
  assert.match(fake.notifications[0].body, /was moved, deleted or unmounted\. Nothing was deleted on the server/);
  await fake.invoke(win.webContents, APP_PAGE, 'sync:syncNow');
  // Notices are raised where the tray redraws; a reloaded window asks for a redraw at once,
  // which pushes the status to it: once that push arrives, the status after the second
  // sync has been through the notices.
  const pushes = win.webContents.sent.filter((m) => m.channel === 'sync:status-changed').length;
  win.webContents.emit('did-finish-load');
  await until('the redraw after the second sync', () => win.webContents.sent.filter((m) => m.channel === 'sync:status-changed').length > pushes);
  assert.equal(fake.notifications.length, 1, 'still missing: no second notification');
  await rename(away, folder);
  await fake.invoke(win.webContents, APP_PAGE, 'sync:syncNow');
  await until('Up to date again', () => item('status')?.label === 'Up to date');
  assert.equal(fake.notifications.length, 1);
});

test('Quit in the tray stops the engine and ends the app', async () => {
  item('quit')!.click!();
  await fake.quitted;
  assert.equal(tray().destroyed, true);
});
