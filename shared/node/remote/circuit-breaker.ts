// Circuit breaker and retry backoff for the in-house block service, as pure functions of
// (state, clock, policy): the caller owns the state and the clock, so tests drive it with
// a fake clock and the decorator stays a thin shell around these rules.
//
// closed ──N consecutive failures──▶ open ──retryAt passed──▶ half_open (one probe)
//   ▲                                  ▲                          │
//   └──────────── probe succeeds ──────┼──────────────────────────┘
//                                      └──── probe fails (longer delay) ─┘

export interface BreakerPolicy {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Delay before the first probe; doubles per failed probe up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BREAKER: BreakerPolicy = { failureThreshold: 2, baseDelayMs: 1000, maxDelayMs: 30_000 };

export type BreakerState =
  | { kind: 'closed'; failures: number }
  | { kind: 'open'; openings: number; retryAt: number }
  | { kind: 'half_open'; openings: number; probeStartedAt: number };

export const CLOSED: BreakerState = { kind: 'closed', failures: 0 };

/**
 * Exponential backoff: base × 2^attempt, capped, minus up to 20 % jitter so many clients
 * do not probe a recovering service in lockstep. `jitter` is a number in [0, 1) the caller
 * draws (Math.random in production, a constant in tests).
 */
export function backoffDelay(attempt: number, policy: BreakerPolicy, jitter = 0): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(raw * (1 - 0.2 * jitter));
}

/**
 * May a request go to the service now? An open circuit lets exactly one probe through once
 * its delay has passed (state becomes half_open); further requests wait for that probe's
 * outcome. A probe that never reports back (a caller that crashed) is given up on after
 * maxDelayMs, so the breaker cannot stick half-open.
 */
export function admit(state: BreakerState, now: number, policy: BreakerPolicy): { allowed: boolean; state: BreakerState } {
  switch (state.kind) {
    case 'closed':
      return { allowed: true, state };
    case 'open':
      if (now < state.retryAt) return { allowed: false, state };
      return { allowed: true, state: { kind: 'half_open', openings: state.openings, probeStartedAt: now } };
    case 'half_open':
      if (now - state.probeStartedAt >= policy.maxDelayMs) {
        return { allowed: true, state: { ...state, probeStartedAt: now } };
      }
      return { allowed: false, state };
  }
}

/** The service answered: the circuit closes and the backoff resets. */
export function recordSuccess(_state: BreakerState): BreakerState {
  return CLOSED;
}

/** The service failed (refused, timed out, 5xx, disk full). */
export function recordFailure(state: BreakerState, now: number, policy: BreakerPolicy, jitter = 0): BreakerState {
  switch (state.kind) {
    case 'closed': {
      const failures = state.failures + 1;
      if (failures < policy.failureThreshold) return { kind: 'closed', failures };
      return { kind: 'open', openings: 1, retryAt: now + backoffDelay(0, policy, jitter) };
    }
    case 'half_open':
      return { kind: 'open', openings: state.openings + 1, retryAt: now + backoffDelay(state.openings, policy, jitter) };
    case 'open':
      // A request admitted before the circuit opened failed late: keep the later retry time.
      return state;
  }
}
