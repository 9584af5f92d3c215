// The same journeys in the desktop app, through Playwright's Electron mode. They need an
// Electron binary, which CI machines cannot download (see TOOLCHAIN.md); there every test
// here is reported as skipped with that reason. On a desktop with `npm ci` (binary
// downloaded) they run against the built app: .vite/build/main.cjs.
import { _electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { bytes, electronBinary, exists, freePort, ROOT, sha256, syncOnce } from './support.js';

const electron = electronBinary();
test.skip(electron.path === null, `Electron journeys skipped: ${electron.reason}`);

let dir: string;
let home: string;
let app: ElectronApplication | null = null;
let server: ServerProcess | null = null;

test.beforeAll(async () => {
  for (const config of ['vite.renderer.config.ts', 'vite.preload.config.ts', 'vite.main.config.ts']) {
    await build({ configFile: join(ROOT, config), logLevel: 'warn' });
  }
});

test.beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hsync-electron-e2e-'));
  home = join(dir, 'home');
  await mkdir(home);
});

test.afterEach(async () => {
  await app?.close();
  await server?.dispose();
  app = null;
  server = null;
  await rm(dir, { recursive: true, force: true });
});

/** Starts the app with a private home; `settings` pre-fills config.json as Preferences would. */
async function launch(settings?: Record<string, unknown>): Promise<Page> {
  if (settings) {
    await mkdir(join(home, '.config', 'hybrid-sync'), { recursive: true });
    await writeFile(join(home, '.config', 'hybrid-sync', 'config.json'), JSON.stringify(settings));
  }
  app = await _electron.launch({
    executablePath: electron.path!,
    args: [ROOT, '--show', '--no-sandbox'],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', XDG_STATE_HOME: '', HSYNC_NODE: process.execPath, HSYNC_DEVICE: 'laptop' },
  });
  return app.firstWindow();
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 });

test('first run: the app syncs ~/HybridSync to a second device', async () => {
  const page = await launch();
  await expect(heading(page)).toHaveText('Up to date', { timeout: 60_000 });
  const folder = join(home, 'HybridSync');
  await writeFile(join(folder, 'hello.txt'), 'Hello from the desktop app\n');
  await writeFile(join(folder, 'big.bin'), bytes(5_000_000, 3));
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('big.bin');
  await expect(heading(page)).toHaveText('Up to date');

  const serverUrl = (await page.locator('#server').textContent())!;
  const config = JSON.parse(await readFile(join(home, '.config', 'hybrid-sync', 'config.json'), 'utf8'));
  const second = join(dir, 'second');
  const result = await syncOnce(second, serverUrl, config.embeddedToken, 'desk', join(dir, 'second-state'));
  expect(result.code, result.stderr).toBe(0);
  expect(await sha256(join(second, 'big.bin'))).toBe(await sha256(join(folder, 'big.bin')));
});

test('pause keeps changes local; resume sends them', async () => {
  server = await startServerProcess();
  const token = await server.addUser('alice');
  const folder = join(dir, 'laptop');
  await mkdir(folder);
  const page = await launch({ folder, serverUrl: server.url, token, deviceName: 'laptop' });
  await expect(heading(page)).toHaveText('Up to date', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Pause syncing' }).click();
  await expect(heading(page)).toHaveText('Paused');
  await writeFile(join(folder, 'draft.md'), 'paused\n');
  await page.waitForTimeout(3000);
  const second = join(dir, 'desk');
  expect((await syncOnce(second, server.url, token, 'desk', join(dir, 'desk-state'))).code).toBe(0);
  expect(await exists(join(second, 'draft.md'))).toBe(false);
  await page.getByRole('button', { name: 'Resume syncing' }).click();
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('draft.md');
  expect((await syncOnce(second, server.url, token, 'desk', join(dir, 'desk-state'))).code).toBe(0);
  expect(await readFile(join(second, 'draft.md'), 'utf8')).toBe('paused\n');
});

test('server stopped shows "Offline"; back, the app recovers', async () => {
  const port = await freePort();
  server = await startServerProcess({ args: ['--port', String(port)] });
  const token = await server.addUser('bob');
  const folder = join(dir, 'laptop');
  await mkdir(folder);
  const page = await launch({ folder, serverUrl: server.url, token, deviceName: 'laptop' });
  await expect(heading(page)).toHaveText('Up to date', { timeout: 60_000 });
  await server.stop();
  await writeFile(join(folder, 'offline.txt'), 'offline\n');
  await expect(heading(page)).toHaveText('Offline', { timeout: 30_000 });
  await server.restart();
  await expect(heading(page)).toHaveText('Up to date', { timeout: 45_000 });
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('offline.txt');
});
