// The status window's states that are hard to reach with a real engine on demand (a mass
// delete held back, per-file problems, S3 fallback), rendered from an in-memory SyncApi
// behind the real control endpoint. The user journeys with the real engine are in
// journeys.spec.ts.
import { expect, test } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControl, type ControlHandle } from '../../shared/node/api-bridge/control-server.js';
import { createFakeSyncApi, type FakeSyncApi } from '../helpers/fake-sync-api.js';

let dir: string;
let api: FakeSyncApi;
let control: ControlHandle;

test.beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hsync-ui-'));
  api = createFakeSyncApi({
    recent: [
      { path: 'Photos/beach.jpg', direction: 'down', action: 'added', bytes: 2_400_000, at: Date.now() - 120_000 },
      { path: 'notes/todo.md', direction: 'up', action: 'modified', bytes: 812, at: Date.now() - 5_000 },
    ],
    lastSyncedAt: Date.now() - 5_000,
  });
  control = await startControl(api, { stateDir: join(dir, 'state'), uiPort: 0 });
});

test.afterEach(async () => {
  await control.close();
  await rm(dir, { recursive: true, force: true });
});

test('shows state in words, progress, problems and the storage tier', async ({ page }, info) => {
  await page.goto(control.uiUrl!);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Up to date');
  expect(new URL(page.url()).hash, 'the token leaves the address bar').toBe('');
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('Photos/beach.jpg');

  api.setStatus({
    state: 'syncing',
    pending: { up: { files: 9, bytes: 40_000_000 }, down: { files: 3, bytes: 8_000_000 } },
    rates: { upBytesPerSec: 4_000_000, downBytesPerSec: 2_000_000 },
    problems: [{ path: 'reports/what?.pdf', code: 'invalid_path', message: 'name has "?" at 5, not allowed on Windows', since: Date.now() }],
    storage: { mode: 'fallback', detail: 'in-house block store unreachable: using S3 fallback', tiers: { inhouse: { blocks: 120, bytes: 480_000_000 }, s3: { blocks: 7, bytes: 28_000_000 } } },
  });
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Syncing 12 files…');
  await expect(page.getByText('9 files · 40 MB')).toBeVisible();
  await expect(page.getByText('10 s', { exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: '1 file cannot sync' })).toBeVisible();
  await expect(page.getByText('name has "?" at 5, not allowed on Windows')).toBeVisible();
  await expect(page.getByText('Degraded: using S3 fallback')).toBeVisible();
  await page.screenshot({ path: info.outputPath('syncing-with-problems.png'), fullPage: true });

  api.setStatus({ state: 'error', error: { code: 'folder_missing', message: 'folder "/home/u/HybridSync" is missing' } });
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Error: folder "/home/u/HybridSync" is missing');
});

test('the mass-delete guard asks, and Confirm / Cancel reach the engine', async ({ page }, info) => {
  await page.goto(control.uiUrl!);
  api.setStatus({ pendingDeletes: { count: 640, total: 1000, sample: ['a/1.txt', 'a/2.txt', 'b/3.txt'] } });
  const dialog = page.getByRole('alertdialog', { name: 'Delete 640 files on all devices?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('and 637 more');
  await page.screenshot({ path: info.outputPath('mass-delete.png') });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(api.calls.map((c) => c.method)).toContain('cancelDeletes');

  api.setStatus({ pendingDeletes: { count: 640, total: 1000, sample: [] } });
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog).toBeHidden();
  expect(api.calls.map((c) => c.method)).toContain('confirmDeletes');
});

test('Preferences saves server URL, token, folder, device name, polling and its interval; bad input is refused', async ({ page }) => {
  await page.goto(control.uiUrl!);
  await page.getByRole('button', { name: 'Preferences' }).click();
  const dialog = page.getByRole('dialog', { name: 'Preferences' });
  await expect(dialog.getByLabel('Server URL')).toHaveValue('http://127.0.0.1:9');
  await dialog.getByLabel('Server URL').fill('ftp://nope');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Server URL must start with http:// or https://');
  expect(api.calls.some((c) => c.method === 'updateSettings')).toBe(false);

  await dialog.getByLabel('Server URL').fill('https://sync.example.org');
  await dialog.getByLabel('Access token').fill('tok-123');
  await dialog.getByLabel('Folder', { exact: true }).fill('/home/u/Work');
  await dialog.getByLabel('Device name').fill('desk');
  await dialog.getByLabel('Start at login').check();
  await expect(dialog.getByLabel('Check for changes by polling (network or FUSE folders)')).not.toBeChecked();
  await dialog.getByLabel('Check for changes by polling (network or FUSE folders)').check();
  const interval = dialog.getByLabel('Polling interval (seconds: sooner costs more CPU)');
  await expect(interval).toHaveValue('2');
  await interval.fill('0.01');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('The polling interval is from 0.1 to 600 seconds.');
  await interval.fill('5');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  expect(api.settings).toMatchObject({ serverUrl: 'https://sync.example.org', folder: '/home/u/Work', deviceName: 'desk', startAtLogin: true, pollForChanges: true, pollIntervalMs: 5000 });
  expect((await api.getSettings()).hasToken).toBe(true);
});

test('the pause button is named for what it does and drives the engine', async ({ page }) => {
  await page.goto(control.uiUrl!);
  await page.getByRole('button', { name: 'Pause syncing' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Paused');
  await page.getByRole('button', { name: 'Resume syncing' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Up to date');
  expect(api.calls.filter((c) => c.method === 'pause' || c.method === 'resume').map((c) => c.method)).toEqual(['pause', 'resume']);
});

test('without its token the page says how to get in, and the API stays shut', async ({ page }) => {
  await page.goto(control.url + '/');
  await expect(page.getByRole('alert')).toContainText('needs its access link');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('No access');
  expect(api.calls.length).toBe(0);
});

test('the ignored files card lists what the ignore rules keep out of sync, on request', async ({ page }) => {
  api.ignored = { paths: [{ path: 'build', dir: true, by: 'user' }, { path: 'notes/.DS_Store', dir: false, by: 'default' }], truncated: false };
  await page.goto(control.uiUrl!);
  await page.getByRole('button', { name: 'Show ignored files' }).click();
  const list = page.getByRole('list', { name: 'Ignored files' });
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await expect(list.getByRole('listitem').first()).toContainText('build/');
  await expect(list.getByRole('listitem').first()).toContainText('.hsyncignore');
  await expect(list.getByRole('listitem').nth(1)).toContainText('built-in rule');
  await expect(page.getByText('2 ignored paths')).toBeVisible();
  expect(api.calls.map((c) => c.method)).toContain('listIgnored');
});
