// The polling interval a UI may set (SyncApi updateSettings, checked where IPC and HTTP
// requests come in): whole ms from 100 to 600,000; anything else is refused with a reason.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { SYNC_API_METHODS } from '../../../shared/common/sync-api.js';

const check = (patch: unknown) => SYNC_API_METHODS.updateSettings.validate([patch]);

test('a polling interval of whole ms from 100 to 600000 is taken, anything else refused', () => {
  for (const ok of [100, 2000, 600_000]) assert.equal(check({ pollIntervalMs: ok }), null, `${ok}`);
  for (const bad of [99, 0, 600_001, 1.5, -100]) {
    assert.equal(check({ pollIntervalMs: bad }), 'setting "pollIntervalMs": the polling interval must be a whole number of ms from 100 to 600000', `${bad}`);
  }
  assert.equal(check({ pollIntervalMs: '2000' }), 'setting "pollIntervalMs" must be a number');
});
