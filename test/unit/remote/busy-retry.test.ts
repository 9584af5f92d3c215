// When a busy answer is asked again: after its Retry-After (seconds or a date, within bounds),
// for 429 always and 503 only with a Retry-After, never past the total wait.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CLIENT_RETRY_AFTER_SEC, MAX_CLIENT_RETRY_WAIT_SEC } from '../../../shared/common/limits.js';
import { busyPauseSec, retryAfterSec } from '../../../shared/node/remote/busy-retry.js';

test('a 429 waits its Retry-After; a 503 only when it has one; other statuses never', () => {
  assert.equal(busyPauseSec(429, '3', 0), 3);
  assert.equal(busyPauseSec(429, undefined, 0), 1, 'no header: a second');
  assert.equal(busyPauseSec(503, '2', 0), 2);
  assert.equal(busyPauseSec(503, undefined, 0), 0);
  for (const status of [200, 400, 401, 500, 502, 507]) assert.equal(busyPauseSec(status, '1', 0), 0, `HTTP ${status}`);
});

test('the total wait stops at MAX_CLIENT_RETRY_WAIT_SEC', () => {
  assert.equal(busyPauseSec(429, '10', MAX_CLIENT_RETRY_WAIT_SEC - 10), 10);
  assert.equal(busyPauseSec(429, '10', MAX_CLIENT_RETRY_WAIT_SEC - 9), 0);
});

test('Retry-After as seconds or an HTTP date, kept within 0.1 s and MAX_CLIENT_RETRY_AFTER_SEC', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterSec('Thu, 01 Jan 2026 00:00:30 GMT', now), 30);
  assert.equal(retryAfterSec('0', now), 0.1);
  assert.equal(retryAfterSec('86400', now), MAX_CLIENT_RETRY_AFTER_SEC);
  assert.equal(retryAfterSec('soon', now), 1);
});
