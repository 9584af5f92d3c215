// The SyncApi over an engine: settings persist in the state dir (conf), the token is
// write-only, the device name applies at once, and commands reach the engine.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineApi } from '../../../shared/node/engine/engine-api.js';
import type { SyncEngine } from '../../../shared/node/engine/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'hsync-api-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fakeEngine() {
  const calls: string[] = [];
  const engine = {
    device: 'laptop',
    pause: async () => void calls.push('pause'),
    resume: async () => void calls.push('resume'),
    syncNow: async () => void calls.push('syncNow'),
    confirmDeletes: async () => void calls.push('confirmDeletes'),
    cancelDeletes: async () => void calls.push('cancelDeletes'),
    setPolling: async (poll: boolean, intervalMs: number) => void calls.push(`setPolling ${poll} ${intervalMs}`),
    getStatus: () => ({ state: 'idle' }),
    status: { subscribe: () => () => undefined },
  };
  return { engine, calls };
}

test('settings persist, the token is never read back, and the device name applies at once', async () => {
  const { engine } = fakeEngine();
  const api = new EngineApi(engine as unknown as SyncEngine, dir, { folder: '/f', serverUrl: 'http://127.0.0.1:1', token: 'secret-token', deviceName: 'laptop' });
  const settings = await api.getSettings();
  assert.deepEqual(settings, { folder: '/f', serverUrl: 'http://127.0.0.1:1', deviceName: 'laptop', startAtLogin: false, paused: false, hasToken: true, upLimitKBps: 0, downLimitKBps: 0, pollForChanges: false, pollIntervalMs: 2000 });
  assert.equal(JSON.stringify(settings).includes('secret-token'), false);

  const updated = await api.updateSettings({ deviceName: 'work laptop', startAtLogin: true });
  assert.equal(updated.deviceName, 'work laptop');
  assert.equal(engine.device, 'work laptop');
  const file = join(dir, 'settings.json');
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).startAtLogin, true);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the file holding the token is private');
});

test('pause survives a restart; commands reach the engine', async () => {
  const { engine, calls } = fakeEngine();
  const api = new EngineApi(engine as unknown as SyncEngine, dir, { folder: '/f', serverUrl: 'http://127.0.0.1:1', token: 't', deviceName: 'laptop' });
  await api.pause();
  await api.syncNow();
  await api.confirmDeletes();
  await api.cancelDeletes();
  const again = new EngineApi(engine as unknown as SyncEngine, dir, { folder: '/f', serverUrl: 'http://127.0.0.1:1', token: 't', deviceName: 'laptop' });
  assert.equal(again.wasPaused, true);
  await again.resume();
  assert.equal(again.wasPaused, false);
  assert.deepEqual(calls, ['pause', 'syncNow', 'confirmDeletes', 'cancelDeletes', 'resume']);
});

test('polling for changes and its interval apply to the engine at once; the command line wins at the next start', async () => {
  const { engine, calls } = fakeEngine();
  const own = mkdtempSync(join(tmpdir(), 'hsync-api-poll-'));
  try {
    const api = new EngineApi(engine as unknown as SyncEngine, own, { folder: '/f', serverUrl: 'http://127.0.0.1:1', token: 't', deviceName: 'laptop', pollForChanges: false });
    assert.equal((await api.updateSettings({ pollForChanges: true })).pollForChanges, true);
    assert.equal((await api.updateSettings({ pollIntervalMs: 500 })).pollIntervalMs, 500);
    assert.deepEqual(calls, ['setPolling true 2000', 'setPolling true 500']);
    const polled = new EngineApi(engine as unknown as SyncEngine, own, { folder: '/f', serverUrl: 'http://127.0.0.1:1', token: 't', deviceName: 'laptop', pollForChanges: true, pollIntervalMs: 3000 });
    assert.equal((await polled.getSettings()).pollForChanges, true);
    assert.equal((await polled.getSettings()).pollIntervalMs, 3000);
    const plain = new EngineApi(engine as unknown as SyncEngine, own, { folder: '/f', serverUrl: 'http://127.0.0.1:1', token: 't', deviceName: 'laptop', pollForChanges: false });
    assert.equal((await plain.getSettings()).pollForChanges, false);
  } finally {
    rmSync(own, { recursive: true, force: true });
  }
});
