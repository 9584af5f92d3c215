// The client host: settings file, pause that survives restarts, engine restarts on
// Preferences changes, and a readable status when the engine cannot start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startClientHost, type EngineConfig, type RunningEngine } from '../../../shared/node/api-bridge/client-host.js';
import type { SettingsBackend, StoredSettings } from '../../../shared/node/api-bridge/client-settings.js';
import { createFakeSyncApi } from '../../helpers/fake-sync-api.js';

function memorySettings(initial: Partial<StoredSettings> = {}): SettingsBackend {
  const backend = {
    store: { ...initial } as Partial<StoredSettings>,
    set(values: Partial<StoredSettings>) {
      backend.store = { ...backend.store, ...values };
    },
  };
  return backend;
}

function engines() {
  const started: EngineConfig[] = [];
  const limitsSet: unknown[] = [];
  const pollingSet: { poll: boolean; intervalMs: number }[] = [];
  let stopped = 0;
  let failWith: Error | null = null;
  const start = async (config: EngineConfig): Promise<RunningEngine> => {
    if (failWith) throw failWith;
    started.push(config);
    const fake = createFakeSyncApi({ folder: config.folder });
    return { ...fake, subscribe: (fn) => fake.subscribe(() => fn()), setLimits: (l) => void limitsSet.push(l), setPolling: async (poll, intervalMs) => void pollingSet.push({ poll, intervalMs }), stop: async () => void stopped++ };
  };
  return { started, start, limitsSet, pollingSet, stopped: () => stopped, fail: (e: Error | null) => (failWith = e) };
}

test('no server set: the embedded server is used, and its URL in Preferences is not pinned', async () => {
  const settings = memorySettings({ folder: '/f', deviceName: 'd' });
  const e = engines();
  let embeddedStarts = 0;
  const host = await startClientHost({
    settings,
    startEngine: e.start,
    embeddedServer: async () => (embeddedStarts++, { url: 'http://127.0.0.1:5555', token: 'emb' }),
  });
  assert.deepEqual(e.started[0], { folder: '/f', serverUrl: 'http://127.0.0.1:5555', token: 'emb', deviceName: 'd', paused: false, accountKey: 'embedded\nemb', limits: { upLimitKBps: 0, downLimitKBps: 0 }, poll: false, pollIntervalMs: 2000 });
  const shown = await host.getSettings();
  assert.equal(shown.serverUrl, 'http://127.0.0.1:5555');
  assert.equal(shown.hasToken, true);
  // Saving Preferences unchanged keeps the embedded default and restarts nothing.
  await host.updateSettings({ serverUrl: shown.serverUrl, folder: '/f', deviceName: 'd', startAtLogin: true });
  assert.equal(settings.store.serverUrl, undefined);
  assert.equal(e.started.length, 1);
  assert.equal(settings.store.startAtLogin, true);

  // A real server: the engine restarts against it; the token is stored, never shown.
  await host.updateSettings({ serverUrl: 'https://sync.example.org/', token: 'secret' });
  assert.equal(e.stopped(), 1);
  assert.deepEqual(e.started[1], { folder: '/f', serverUrl: 'https://sync.example.org', token: 'secret', deviceName: 'd', paused: false, accountKey: 'https://sync.example.org\nsecret', limits: { upLimitKBps: 0, downLimitKBps: 0 }, poll: false, pollIntervalMs: 2000 });
  assert.equal(JSON.stringify(await host.getSettings()).includes('secret'), false);
  assert.equal(embeddedStarts, 1);
  await host.stop();
  assert.equal(e.stopped(), 2);
});

test('pause is stored, and a restarted engine starts paused', async () => {
  const settings = memorySettings({ serverUrl: 'http://s', token: 't' });
  const e = engines();
  const host = await startClientHost({ settings, startEngine: e.start, embeddedServer: () => Promise.reject(new Error('unused')) });
  await host.pause();
  assert.equal(settings.store.paused, true);
  assert.equal((await host.getStatus()).state, 'paused');
  await host.updateSettings({ folder: '/elsewhere' });
  assert.equal(e.started.at(-1)!.paused, true);
  await host.resume();
  assert.equal(settings.store.paused, false);
  await host.stop();
});

test('an engine that cannot start shows the reason as an error status; fixing settings recovers', async () => {
  const settings = memorySettings({ serverUrl: 'http://s', token: 't', folder: '/f' });
  const e = engines();
  e.fail(new Error('open index "/f": permission denied'));
  const lines: string[] = [];
  const host = await startClientHost({ settings, startEngine: e.start, embeddedServer: () => Promise.reject(new Error('unused')), log: (l) => lines.push(l) });
  const status = await host.getStatus();
  assert.equal(status.state, 'error');
  assert.equal(status.error?.message, 'open index "/f": permission denied');
  assert.match(lines[0], /permission denied/);
  await assert.rejects(host.pause(), { code: 'unavailable' });
  e.fail(null);
  await host.updateSettings({ folder: '/g' });
  assert.equal((await host.getStatus()).state, 'idle');
  await host.stop();
});

test('bandwidth caps apply to the running engine at once, without a restart, and are kept', async () => {
  const settings = memorySettings({ folder: '/f', deviceName: 'd', upLimitKBps: 500 });
  const e = engines();
  const host = await startClientHost({ settings, startEngine: e.start, embeddedServer: async () => ({ url: 'http://127.0.0.1:5555', token: 'emb' }) });
  assert.deepEqual(e.started[0].limits, { upLimitKBps: 500, downLimitKBps: 0 }, 'the stored cap is there from the start');
  const shown = await host.updateSettings({ upLimitKBps: 2000, downLimitKBps: 100 });
  assert.equal(e.started.length, 1, 'no restart');
  assert.deepEqual(e.limitsSet.at(-1), { upLimitKBps: 2000, downLimitKBps: 100 });
  assert.equal(shown.upLimitKBps, 2000);
  assert.equal(settings.store.downLimitKBps, 100);
  await host.stop();
});

test('polling for changes and its interval switch the running engine at once, without a restart, and are kept', async () => {
  const settings = memorySettings({ folder: '/f', deviceName: 'd' });
  const e = engines();
  const host = await startClientHost({ settings, startEngine: e.start, embeddedServer: async () => ({ url: 'http://127.0.0.1:5555', token: 'emb' }) });
  assert.equal(e.started[0].poll, false);
  const shown = await host.updateSettings({ pollForChanges: true });
  assert.equal(e.started.length, 1, 'no restart');
  assert.deepEqual(e.pollingSet, [{ poll: true, intervalMs: 2000 }]);
  assert.equal(shown.pollForChanges, true);
  assert.equal(settings.store.pollForChanges, true);
  assert.equal((await host.updateSettings({ pollIntervalMs: 500 })).pollIntervalMs, 500);
  assert.deepEqual(e.pollingSet.at(-1), { poll: true, intervalMs: 500 });
  assert.equal(e.started.length, 1, 'no restart');
  await host.stop();
  const again = await startClientHost({ settings, startEngine: e.start, embeddedServer: async () => ({ url: 'http://127.0.0.1:5555', token: 'emb' }) });
  assert.equal(e.started[1].poll, true, 'the next start polls');
  assert.equal(e.started[1].pollIntervalMs, 500, 'at the interval kept');
  await again.stop();
});
