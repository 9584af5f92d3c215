// The tray menu as a user reads it, per state; clicks call the matching action.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trayIconName, trayTemplate, type TrayActions } from '../../../electron/main/tray-menu.js';
import { emptyStatus } from '../../helpers/fake-sync-api.js';

function recorder() {
  const calls: string[] = [];
  const actions = new Proxy({} as TrayActions, { get: (_t, name: string) => () => calls.push(name) });
  return { calls, actions };
}

test('the menu offers Pause when syncing and Resume when paused, with the status line first', () => {
  const { calls, actions } = recorder();
  const running = trayTemplate(emptyStatus({ state: 'syncing', pending: { up: { files: 3, bytes: 2e6 }, down: { files: 0, bytes: 0 } } }), actions);
  assert.deepEqual(
    running.filter((i) => i.type !== 'separator').map((i) => i.label),
    ['Syncing 3 files, 2 MB left', 'Open folder', 'Open status window', 'Pause syncing', 'Preferences…', 'Quit Hybrid Sync'],
  );
  assert.equal(running[0].enabled, false);
  for (const item of running) (item.click as (() => void) | undefined)?.();
  assert.deepEqual(calls, ['openFolder', 'openStatusWindow', 'pause', 'openPreferences', 'quit']);

  const paused = trayTemplate(emptyStatus({ state: 'paused' }), actions);
  const resume = paused.find((i) => i.label === 'Resume syncing')!;
  (resume.click as () => void)();
  assert.equal(calls.at(-1), 'resume');
  assert.equal(paused.some((i) => i.label === 'Pause syncing'), false);
});

test('one icon per state', () => {
  const icons = (['idle', 'scanning', 'syncing', 'paused', 'offline', 'error'] as const).map((state) => trayIconName({ state }));
  assert.deepEqual(icons, ['tray-ok.png', 'tray-busy.png', 'tray-busy.png', 'tray-paused.png', 'tray-offline.png', 'tray-error.png']);
});
