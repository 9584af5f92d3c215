// The breaker's rules driven by a fake clock: when it opens, when it probes, how the
// probe delay grows and resets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CLOSED,
  admit,
  backoffDelay,
  recordFailure,
  recordSuccess,
  type BreakerPolicy,
  type BreakerState,
} from '../../../shared/node/remote/circuit-breaker.js';

const policy: BreakerPolicy = { failureThreshold: 2, baseDelayMs: 1000, maxDelayMs: 8000 };

test('backoff doubles from the base, caps, and jitter only shortens it by up to 20 %', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 10, 1000].map((a) => backoffDelay(a, policy)), [1000, 2000, 4000, 8000, 8000, 8000, 8000]);
  assert.equal(backoffDelay(1, policy, 0.5), 1800);
  assert.equal(backoffDelay(1, policy, 0.999), 1600);
});

test('closed lets everything through and opens only after the threshold', () => {
  let s: BreakerState = CLOSED;
  assert.equal(admit(s, 0, policy).allowed, true);
  s = recordFailure(s, 0, policy);
  assert.deepEqual(s, { kind: 'closed', failures: 1 });
  s = recordSuccess(s);
  s = recordFailure(s, 0, policy);
  assert.equal(s.kind, 'closed', 'a success in between resets the count');
  s = recordFailure(s, 100, policy);
  assert.deepEqual(s, { kind: 'open', openings: 1, retryAt: 1100 });
});

test('open refuses until retryAt, then admits exactly one probe', () => {
  let s: BreakerState = { kind: 'open', openings: 1, retryAt: 1100 };
  assert.equal(admit(s, 1099, policy).allowed, false);
  const probe = admit(s, 1100, policy);
  assert.equal(probe.allowed, true);
  s = probe.state;
  assert.deepEqual(s, { kind: 'half_open', openings: 1, probeStartedAt: 1100 });
  assert.equal(admit(s, 1200, policy).allowed, false, 'one probe at a time');
});

test('failed probes back off longer each time; a good probe closes the circuit', () => {
  let s: BreakerState = { kind: 'half_open', openings: 1, probeStartedAt: 1100 };
  const retryTimes: number[] = [];
  let now = 1100;
  for (let i = 0; i < 5; i++) {
    s = recordFailure(s, now, policy);
    assert.equal(s.kind, 'open');
    retryTimes.push((s as { retryAt: number }).retryAt - now);
    now = (s as { retryAt: number }).retryAt;
    s = admit(s, now, policy).state;
  }
  assert.deepEqual(retryTimes, [2000, 4000, 8000, 8000, 8000]);
  s = recordSuccess(s);
  assert.deepEqual(s, CLOSED);
});

test('a late failure from before the circuit opened does not push the probe back', () => {
  const open: BreakerState = { kind: 'open', openings: 1, retryAt: 5000 };
  assert.equal(recordFailure(open, 4000, policy), open);
});

test('a probe that never reports back is abandoned after maxDelayMs', () => {
  const s: BreakerState = { kind: 'half_open', openings: 2, probeStartedAt: 0 };
  assert.equal(admit(s, 7999, policy).allowed, false);
  const again = admit(s, 8000, policy);
  assert.equal(again.allowed, true);
  assert.deepEqual(again.state, { kind: 'half_open', openings: 2, probeStartedAt: 8000 });
});
