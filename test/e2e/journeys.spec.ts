// What a user does, with the real engine, real servers and real folders: the first run on
// the embedded default, pause/resume, and the server going away and coming back. The page
// is driven by what a person reads (headings, button names); the results are checked on
// disk on a second device.
import { expect, test, type Page } from '@playwright/test';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { bytes, exists, freePort, ROOT, sha256, startUiProcess, syncOnce, type UiProcess } from './support.js';

let dir: string;
let client: UiProcess | null = null;
let server: ServerProcess | null = null;

test.beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hsync-e2e-'));
});

test.afterEach(async () => {
  await client?.stop();
  await server?.dispose();
  client = null;
  server = null;
  await rm(dir, { recursive: true, force: true });
});

const heading = (page: Page) => page.getByRole('heading', { level: 1 });

test('first run on the embedded default: files added show "Up to date" and arrive on a second device', async ({ page }, info) => {
  const home = join(dir, 'home');
  await mkdir(home);
  client = await startUiProcess(['scripts/start.js'], { HOME: home, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', XDG_STATE_HOME: '', HSYNC_DEVICE: 'laptop' });
  expect(client.output()).toContain('No Electron binary here');

  await page.goto(client.uiUrl);
  await expect(heading(page)).toHaveText('Up to date');
  const folder = join(home, 'HybridSync');
  await expect(page.locator('#folder')).toHaveText(folder);

  await writeFile(join(folder, 'hello.txt'), 'Hello from the first device\n');
  await mkdir(join(folder, 'Photos'));
  await writeFile(join(folder, 'Photos', 'beach.raw'), bytes(9_000_000, 7)); // three 4 MiB blocks
  const recent = page.getByRole('list', { name: 'Recent activity' });
  await expect(recent).toContainText('Photos/beach.raw');
  await expect(recent).toContainText('hello.txt');
  await expect(heading(page)).toHaveText('Up to date');
  // Nothing is moving, so there is no progress bar (not a full one under "Nothing"), and the
  // storage figures already count the four blocks just stored in-house (1 + 3 of 4 MiB).
  await expect(page.locator('#up-pending')).toHaveText('Nothing');
  await expect(page.locator('#progress')).toBeHidden();
  await expect(page.locator('#tier-inhouse')).toHaveText(/ · 4 blocks$/);
  const shot = info.outputPath('first-run-up-to-date.png');
  await page.screenshot({ path: shot });
  if (process.env.HSYNC_UPDATE_SCREENSHOT) await copyFile(shot, join(ROOT, 'docs', 'status-window.png'));

  // A second device on the same account gets the same bytes.
  const serverUrl = (await page.locator('#server').textContent())!;
  const config = JSON.parse(await readFile(join(home, '.config', 'hybrid-sync', 'config.json'), 'utf8'));
  const second = join(dir, 'second');
  const result = await syncOnce(second, serverUrl, config.embeddedToken, 'desk', join(dir, 'second-state'));
  expect(result.code, result.stderr).toBe(0);
  expect(await sha256(join(second, 'Photos', 'beach.raw'))).toBe(await sha256(join(folder, 'Photos', 'beach.raw')));
  expect(await readFile(join(second, 'hello.txt'), 'utf8')).toBe('Hello from the first device\n');
});

test('pause keeps changes on this device; resume sends them', async ({ page }, info) => {
  server = await startServerProcess();
  const token = await server.addUser('alice');
  const folder = join(dir, 'laptop');
  await mkdir(folder);
  client = await startUiProcess(['bin/hsync.js', 'sync', '--folder', folder, '--server', server.url, `--token=${token}`, '--device', 'laptop', '--state', join(dir, 'laptop-state'), '--ui-port', '0']);
  await page.goto(client.uiUrl);
  await expect(heading(page)).toHaveText('Up to date');

  await page.getByRole('button', { name: 'Pause syncing' }).click();
  await expect(heading(page)).toHaveText('Paused');
  await expect(page.getByRole('button', { name: 'Resume syncing' })).toBeVisible();
  await writeFile(join(folder, 'draft.md'), '# written while paused\n');
  await page.waitForTimeout(3000); // longer than the watcher's debounce: a running client would have sent it
  await page.screenshot({ path: info.outputPath('paused.png') });

  const second = join(dir, 'desk');
  const state = join(dir, 'desk-state');
  const before = await syncOnce(second, server.url, token, 'desk', state);
  expect(before.code, before.stderr).toBe(0);
  expect(await exists(join(second, 'draft.md')), 'the change stayed local while paused').toBe(false);

  await page.getByRole('button', { name: 'Resume syncing' }).click();
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('draft.md');
  await expect(heading(page)).toHaveText('Up to date');
  const after = await syncOnce(second, server.url, token, 'desk', state);
  expect(after.code, after.stderr).toBe(0);
  expect(await readFile(join(second, 'draft.md'), 'utf8')).toBe('# written while paused\n');
});

test('server stopped shows "Offline"; when it is back the client recovers and syncs', async ({ page }, info) => {
  const port = await freePort();
  server = await startServerProcess({ args: ['--port', String(port)] });
  expect(server.url).toBe(`http://127.0.0.1:${port}`);
  const token = await server.addUser('bob');
  const folder = join(dir, 'laptop');
  await mkdir(folder);
  client = await startUiProcess(['bin/hsync.js', 'sync', '--folder', folder, '--server', server.url, `--token=${token}`, '--device', 'laptop', '--state', join(dir, 'laptop-state'), '--ui-port', '0']);
  await page.goto(client.uiUrl);
  await expect(heading(page)).toHaveText('Up to date');

  await server.stop();
  await writeFile(join(folder, 'offline-notes.txt'), 'written with the server down\n');
  await expect(heading(page)).toHaveText('Offline', { timeout: 30_000 });
  await expect(page.getByText('Changes are kept and will sync when the server is back.')).toBeVisible();
  await page.screenshot({ path: info.outputPath('offline.png') });

  await server.restart();
  expect(server.url).toBe(`http://127.0.0.1:${port}`);
  await expect(heading(page)).toHaveText('Up to date', { timeout: 45_000 });
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('offline-notes.txt');
  const second = join(dir, 'desk');
  const result = await syncOnce(second, server.url, token, 'desk', join(dir, 'desk-state'));
  expect(result.code, result.stderr).toBe(0);
  expect(await readFile(join(second, 'offline-notes.txt'), 'utf8')).toBe('written with the server down\n');
});

test('pointing the app at another server is one step in Preferences', async ({ page }) => {
  server = await startServerProcess();
  const token = await server.addUser('carol');
  const home = join(dir, 'home');
  await mkdir(home);
  client = await startUiProcess(['scripts/start.js'], { HOME: home, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', XDG_STATE_HOME: '' });
  await page.goto(client.uiUrl);
  await expect(heading(page)).toHaveText('Up to date');

  await page.getByRole('button', { name: 'Preferences' }).click();
  const dialog = page.getByRole('dialog', { name: 'Preferences' });
  await dialog.getByLabel('Server URL').fill(server.url);
  await dialog.getByLabel('Access token').fill(token);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('#server')).toHaveText(server.url);
  await expect(heading(page)).toHaveText('Up to date');

  await writeFile(join(home, 'HybridSync', 'moved-in.txt'), 'now on the team server\n');
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('moved-in.txt');
  const second = join(dir, 'desk');
  const result = await syncOnce(second, server.url, token, 'desk', join(dir, 'desk-state'));
  expect(result.code, result.stderr).toBe(0);
  expect(await readFile(join(second, 'moved-in.txt'), 'utf8')).toBe('now on the team server\n');
  const config = JSON.parse(await readFile(join(home, '.config', 'hybrid-sync', 'config.json'), 'utf8'));
  expect(config.serverUrl).toBe(server.url);
});

test('a conflict shows in Conflicted copies, and one click keeps the other device\'s version everywhere', async ({ page }, info) => {
  server = await startServerProcess();
  const token = await server.addUser('carol');
  const laptop = join(dir, 'laptop');
  const desk = join(dir, 'desk');
  const deskState = join(dir, 'desk-state');
  await mkdir(laptop);
  await writeFile(join(laptop, 'report.txt'), 'first draft\n');
  client = await startUiProcess(['bin/hsync.js', 'sync', '--folder', laptop, '--server', server.url, `--token=${token}`, '--device', 'laptop', '--state', join(dir, 'laptop-state'), '--ui-port', '0']);
  await page.goto(client.uiUrl);
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('report.txt');
  await expect(heading(page)).toHaveText('Up to date');
  expect((await syncOnce(desk, server.url, token, 'desk', deskState)).code).toBe(0);
  await expect(page.locator('#conflicts-card')).toBeHidden();

  // Both edit while apart: the desk commits first, so the laptop's edit becomes the copy.
  await page.getByRole('button', { name: 'Pause syncing' }).click();
  await expect(heading(page)).toHaveText('Paused');
  await writeFile(join(laptop, 'report.txt'), 'the laptop\'s version\n');
  await writeFile(join(desk, 'report.txt'), 'the desk\'s version, longer\n');
  expect((await syncOnce(desk, server.url, token, 'desk', deskState)).code).toBe(0);
  await page.getByRole('button', { name: 'Resume syncing' }).click();

  const row = page.getByRole('list', { name: 'Conflicted copies' }).getByRole('listitem', { name: 'report.txt' });
  await expect(page.getByRole('heading', { name: '1 conflicted copy' })).toBeVisible();
  await expect(row).toContainText("laptop's copy: 21 B");
  await expect(row).toContainText('Kept here: 27 B');
  const shot = info.outputPath('conflicts.png');
  await page.locator('#conflicts-card').screenshot({ path: shot });
  if (process.env.HSYNC_UPDATE_SCREENSHOT) await copyFile(shot, join(ROOT, 'docs', 'conflicts.png'));
  await row.getByRole('button', { name: "Keep laptop's copy" }).click();
  await expect(page.locator('#conflicts-card')).toBeHidden();
  await expect(heading(page)).toHaveText('Up to date');

  // The laptop's bytes are report.txt on both devices, and no copy is left anywhere.
  expect(await readFile(join(laptop, 'report.txt'), 'utf8')).toBe('the laptop\'s version\n');
  expect((await syncOnce(desk, server.url, token, 'desk', deskState)).code).toBe(0);
  expect(await readFile(join(desk, 'report.txt'), 'utf8')).toBe('the laptop\'s version\n');
  expect((await readdir(desk)).filter((n) => n.includes('conflicted copy'))).toEqual([]);
});

test('selective sync: unchecking a folder in Preferences takes it off this disk only; the status shows it excluded; checking a subfolder takes that one back alone', async ({ page }, info) => {
  server = await startServerProcess();
  const token = await server.addUser('dora');
  const laptop = join(dir, 'laptop');
  const desk = join(dir, 'desk');
  const deskState = join(dir, 'desk-state');
  await mkdir(join(laptop, 'big', 'raw'), { recursive: true });
  await mkdir(join(laptop, 'Documents'));
  await writeFile(join(laptop, 'big', 'raw', 'take1.mov'), bytes(9_000_000, 3)); // three 4 MiB blocks
  await writeFile(join(laptop, 'big', 'cut.txt'), 'final cut\n');
  await writeFile(join(laptop, 'Documents', 'plan.txt'), 'the plan\n');
  for (const year of ['2019', '2020', '2021']) {
    await mkdir(join(laptop, 'Photos', year), { recursive: true });
    await writeFile(join(laptop, 'Photos', year, 'beach.jpg'), `a photo from ${year}\n`);
  }
  client = await startUiProcess(['bin/hsync.js', 'sync', '--folder', laptop, '--server', server.url, `--token=${token}`, '--device', 'laptop', '--state', join(dir, 'laptop-state'), '--ui-port', '0']);
  await page.goto(client.uiUrl);
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('big/raw/take1.mov');
  await expect(heading(page)).toHaveText('Up to date');
  expect((await syncOnce(desk, server.url, token, 'desk', deskState)).code).toBe(0);
  const movie = await sha256(join(desk, 'big', 'raw', 'take1.mov'));
  expect(movie).toBe(await sha256(join(laptop, 'big', 'raw', 'take1.mov')));

  // The tree lists the server's folders, every one checked; a folder opens on demand.
  await page.getByRole('button', { name: 'Preferences' }).click();
  const tree = page.getByRole('tree', { name: 'Selective sync' });
  const big = tree.getByRole('checkbox', { name: 'big' });
  await expect(big).toBeChecked();
  await expect(tree.getByRole('checkbox', { name: 'Documents' })).toBeChecked();
  await tree.getByRole('button', { name: 'Show folders in big' }).click();
  const raw = tree.getByRole('checkbox', { name: 'raw' });
  await expect(raw).toBeChecked();
  await big.uncheck();
  await expect(raw).not.toBeChecked();
  await expect(raw).toBeEnabled();
  await tree.getByRole('button', { name: 'Show folders in Photos' }).click();
  await expect(tree.getByRole('checkbox', { name: '2021' })).toBeChecked();
  const shot = info.outputPath('selective-sync.png');
  await page.getByRole('group', { name: 'Selective sync' }).screenshot({ path: shot });
  if (process.env.HSYNC_UPDATE_SCREENSHOT) await copyFile(shot, join(ROOT, 'docs', 'selective-sync.png'));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();

  // big/ leaves this disk; the status says so; the other folders stay.
  await expect(page.locator('#excluded')).toHaveText('big/');
  await expect.poll(() => exists(join(laptop, 'big', 'cut.txt'))).toBe(false);
  await expect.poll(async () => (await readdir(laptop)).filter((n) => n !== '.hsync').sort()).toEqual(['Documents', 'Photos']);
  expect(await readFile(join(laptop, 'Documents', 'plan.txt'), 'utf8')).toBe('the plan\n');

  // The other device and the server keep every byte of it.
  expect((await syncOnce(desk, server.url, token, 'desk', deskState)).code).toBe(0);
  expect(await sha256(join(desk, 'big', 'raw', 'take1.mov'))).toBe(movie);
  expect(await readFile(join(desk, 'big', 'cut.txt'), 'utf8')).toBe('final cut\n');

  // Opened again, Preferences shows big unchecked; checking big/raw alone takes it back, as
  // Dropbox does: big stays off this disk but for raw.
  await page.getByRole('button', { name: 'Preferences' }).click();
  await expect(tree.getByRole('checkbox', { name: 'big' })).not.toBeChecked();
  await tree.getByRole('button', { name: 'Show folders in big' }).click();
  await expect(tree.getByRole('checkbox', { name: 'raw' })).not.toBeChecked();
  await tree.getByRole('checkbox', { name: 'raw' }).check();
  await expect(tree.getByRole('checkbox', { name: 'big' })).not.toBeChecked();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(page.locator('#excluded')).toHaveText('big/ (but big/raw/)');
  await expect.poll(() => exists(join(laptop, 'big', 'raw', 'take1.mov')), { timeout: 20_000 }).toBe(true);
  await expect.poll(() => sha256(join(laptop, 'big', 'raw', 'take1.mov'))).toBe(movie);
  expect(await exists(join(laptop, 'big', 'cut.txt'))).toBe(false);

  // Opened again, it shows the same: big unchecked, raw checked.
  await page.getByRole('button', { name: 'Preferences' }).click();
  await expect(tree.getByRole('checkbox', { name: 'big' })).not.toBeChecked();
  await tree.getByRole('button', { name: 'Show folders in big' }).click();
  await expect(tree.getByRole('checkbox', { name: 'raw' })).toBeChecked();
  await page.getByRole('button', { name: 'Cancel' }).click();
});

test('version history: a file edited twice, its first version restored with one click, here and on a second device', async ({ page }, info) => {
  server = await startServerProcess();
  const token = await server.addUser('erin');
  const laptop = join(dir, 'laptop');
  const desk = join(dir, 'desk');
  await mkdir(join(laptop, 'notes'), { recursive: true });
  await writeFile(join(laptop, 'notes', 'plan.txt'), 'the first plan\n');
  client = await startUiProcess(['bin/hsync.js', 'sync', '--folder', laptop, '--server', server.url, `--token=${token}`, '--device', 'laptop', '--state', join(dir, 'laptop-state'), '--ui-port', '0']);
  await page.goto(client.uiUrl);
  const recent = page.getByRole('list', { name: 'Recent activity' });
  await expect(recent).toContainText('notes/plan.txt');
  await expect(heading(page)).toHaveText('Up to date');
  await writeFile(join(laptop, 'notes', 'plan.txt'), 'the second plan, longer\n');
  await expect(recent).toContainText('Updated');
  await expect(heading(page)).toHaveText('Up to date');

  // From Recent activity to the file's versions: the newest is current, the first has Restore.
  await recent.getByRole('button', { name: 'History of notes/plan.txt' }).first().click();
  const versions = page.getByRole('list', { name: 'Versions' });
  await expect(page.locator('#history-summary')).toHaveText('2 versions of notes/plan.txt, newest first:');
  await expect(versions.getByRole('listitem').first()).toContainText('Current version');
  const first = versions.getByRole('listitem').nth(1);
  await expect(first).toContainText('15 B · by laptop');
  const shot = info.outputPath('version-history.png');
  await page.locator('#history-card').screenshot({ path: shot });
  if (process.env.HSYNC_UPDATE_SCREENSHOT) await copyFile(shot, join(ROOT, 'docs', 'version-history.png'));

  await first.getByRole('button', { name: /^Restore revision \d+$/ }).click();
  await expect(page.locator('#history-result')).toContainText('restored notes/plan.txt');
  await expect(page.locator('#history-summary')).toHaveText('3 versions of notes/plan.txt, newest first:');
  expect(await readFile(join(laptop, 'notes', 'plan.txt'), 'utf8')).toBe('the first plan\n');
  await expect(heading(page)).toHaveText('Up to date');

  expect((await syncOnce(desk, server.url, token, 'desk', join(dir, 'desk-state'))).code).toBe(0);
  expect(await readFile(join(desk, 'notes', 'plan.txt'), 'utf8')).toBe('the first plan\n');
  expect((await readdir(join(desk, 'notes'))).filter((n) => n.includes('conflicted copy'))).toEqual([]);
});

test('bandwidth limits: an upload cap set in Preferences holds the next upload to it, and stays set', async ({ page }, info) => {
  server = await startServerProcess();
  const token = await server.addUser('fay');
  const laptop = join(dir, 'laptop');
  await mkdir(laptop);
  client = await startUiProcess(['bin/hsync.js', 'sync', '--folder', laptop, '--server', server.url, `--token=${token}`, '--device', 'laptop', '--state', join(dir, 'laptop-state'), '--ui-port', '0']);
  await page.goto(client.uiUrl);
  await expect(heading(page)).toHaveText('Up to date');

  await page.getByRole('button', { name: 'Preferences' }).click();
  await page.getByLabel('Upload limit (KB/s, 0 = none)').fill('500');
  await page.getByLabel('Download limit (KB/s, 0 = none)').fill('2000');
  await page.getByLabel('Download limit (KB/s, 0 = none)').blur();
  const shot = info.outputPath('bandwidth-limits.png');
  await page.locator('#prefs-form').screenshot({ path: shot });
  if (process.env.HSYNC_UPDATE_SCREENSHOT) await copyFile(shot, join(ROOT, 'docs', 'bandwidth-limits.png'));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();

  // 1.5 MB under a 500 KB/s cap takes at least 3 s (less a second's burst) to reach the server.
  const started = Date.now();
  await writeFile(join(laptop, 'video.bin'), bytes(1_500_000, 9));
  await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('video.bin', { timeout: 30_000 });
  expect(Date.now() - started).toBeGreaterThan(2_000);
  const desk = join(dir, 'desk');
  expect((await syncOnce(desk, server.url, token, 'desk', join(dir, 'desk-state'))).code).toBe(0);
  expect(await sha256(join(desk, 'video.bin'))).toBe(await sha256(join(laptop, 'video.bin')));

  await page.getByRole('button', { name: 'Preferences' }).click();
  await expect(page.getByLabel('Upload limit (KB/s, 0 = none)')).toHaveValue('500');
  await page.getByRole('button', { name: 'Cancel' }).click();
});
