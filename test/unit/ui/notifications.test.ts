import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { noticesFor } from '../../../shared/common/notifications.js';
import type { SyncStatus } from '../../../shared/common/sync-api.js';

type S = Pick<SyncStatus, 'error' | 'pendingDeletes' | 'folder'>;
const ok: S = { error: null, pendingDeletes: null, folder: '/home/me/HybridSync' };
const withError = (code: NonNullable<SyncStatus['error']>['code']): S => ({ ...ok, error: { code, message: code } });

test('only what needs the user notifies: held deletion, server full, signed out, folder missing', () => {
  assert.deepEqual(noticesFor(null, { ...ok, pendingDeletes: { count: 120, total: 150, sample: [] } }).map((n) => n.title), ['Delete 120 files everywhere?']);
  assert.deepEqual(noticesFor(ok, withError('disk_full')).map((n) => n.key), ['server_full']);
  assert.deepEqual(noticesFor(ok, withError('unauthorized')).map((n) => n.key), ['signed_out']);
  const missing = noticesFor(ok, withError('folder_missing'));
  assert.equal(missing[0].key, 'folder_missing');
  assert.match(missing[0].body, /\/home\/me\/HybridSync was moved/);
  // Routine changes and being offline do not.
  assert.deepEqual(noticesFor(null, ok), []);
  assert.deepEqual(noticesFor(ok, withError('unavailable')), []);
  assert.deepEqual(noticesFor(ok, withError('invalid_path')), []);
});

test('a condition notifies once when it starts, and again only after it cleared', () => {
  const full = withError('disk_full');
  assert.equal(noticesFor(ok, full).length, 1);
  assert.equal(noticesFor(full, full).length, 0, 'still full: no repeat');
  assert.equal(noticesFor(full, ok).length, 0, 'cleared: nothing to say');
  assert.equal(noticesFor(ok, full).length, 1, 'full again: once more');
});
