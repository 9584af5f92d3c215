// What a person reads in the window, the tray and `hsync status`: table-driven.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { etaSeconds, excludedWords, formatBytes, formatDuration, problemsTitle, stateWords, timeAgo, trayLine } from '../../../shared/common/status-words.js';
import { emptyStatus } from '../../helpers/fake-sync-api.js';

const pending = (up: number, down: number, bytes = 0) => ({ up: { files: up, bytes }, down: { files: down, bytes: 0 } });

test('state words', () => {
  const cases: [Parameters<typeof stateWords>[0], string][] = [
    [{ state: 'idle', pending: pending(0, 0), error: null, pendingDeletes: null }, 'Up to date'],
    [{ state: 'syncing', pending: pending(9, 3), error: null, pendingDeletes: null }, 'Syncing 12 files…'],
    [{ state: 'syncing', pending: pending(1, 0), error: null, pendingDeletes: null }, 'Syncing 1 file…'],
    [{ state: 'syncing', pending: pending(0, 0), error: null, pendingDeletes: null }, 'Syncing…'],
    [{ state: 'scanning', pending: pending(0, 0), error: null, pendingDeletes: null }, 'Checking for changes…'],
    [{ state: 'paused', pending: pending(4, 0), error: null, pendingDeletes: null }, 'Paused'],
    [{ state: 'offline', pending: pending(4, 0), error: null, pendingDeletes: null }, 'Offline'],
    [{ state: 'error', pending: pending(0, 0), error: { code: 'disk_full', message: 'disk full' }, pendingDeletes: null }, 'Error: disk full'],
    [{ state: 'idle', pending: pending(0, 0), error: null, pendingDeletes: { count: 5, total: 6, sample: [] } }, 'Waiting for your confirmation'],
  ];
  for (const [status, words] of cases) assert.equal(stateWords(status), words);
});

test('bytes, durations and times', () => {
  const bytes: [number, string][] = [[0, '0 B'], [999, '999 B'], [1000, '1 KB'], [1500, '1.5 KB'], [48_000_000, '48 MB'], [9_999_999, '10 MB'], [2.5e12, '2.5 TB'], [-1, '0 B'], [NaN, '0 B']];
  for (const [n, text] of bytes) assert.equal(formatBytes(n), text, String(n));
  assert.equal(etaSeconds(10_000_000, 4_000_000), 3);
  assert.equal(etaSeconds(10, 0), null);
  assert.equal(etaSeconds(0, 10), null);
  assert.equal(formatDuration(null), '—');
  assert.equal(formatDuration(42), '42 s');
  assert.equal(formatDuration(600), '10 min');
  assert.equal(formatDuration(3 * 3600 + 600), '3 h 10 min');
  const now = 1_700_000_000_000;
  assert.equal(timeAgo(now - 3000, now), 'just now');
  assert.equal(timeAgo(now + 5000, now), 'just now', 'a clock ahead of ours is not "in the future"');
  assert.equal(timeAgo(now - 45_000, now), '45 s ago');
  assert.equal(timeAgo(now - 5 * 60_000, now), '5 min ago');
  assert.equal(timeAgo(now - 3 * 3600_000, now), '3 h ago');
});

test('the tray line says how much is left', () => {
  assert.equal(trayLine(emptyStatus({ state: 'syncing', pending: { up: { files: 10, bytes: 40e6 }, down: { files: 2, bytes: 8e6 } } })), 'Syncing 12 files, 48 MB left');
  assert.equal(trayLine(emptyStatus({ state: 'paused' })), 'Paused');
  assert.equal(trayLine(emptyStatus()), 'Up to date');
});

test('problems title: files waiting for in-house storage first, then those that cannot sync', () => {
  const waiting = { code: 'storage_unavailable' };
  const broken = { code: 'invalid_path' };
  assert.equal(problemsTitle([waiting, waiting, waiting]), 'Waiting for in-house storage: 3 files');
  assert.equal(problemsTitle([waiting, broken]), 'Waiting for in-house storage: 1 file; 1 file cannot sync');
  assert.equal(problemsTitle([broken, broken]), '2 files cannot sync');
});

test('the excluded folders read with the subfolders taken back inside them', () => {
  assert.equal(excludedWords({ excludedFolders: ['big', 'old'], includedFolders: ['big/raw', 'big/sub'] }), 'big/ (but big/raw/, big/sub/), old/');
  assert.equal(excludedWords({ excludedFolders: ['big'], includedFolders: [] }), 'big/');
  assert.equal(excludedWords({ excludedFolders: ['big'], includedFolders: ['bigger/x'] }), 'big/');
});
