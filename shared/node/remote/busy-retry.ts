// When the client asks again after a "busy" answer, in one place for both request paths (got's
// retry for the JSON calls, the block transfers' own loop): a 429 (this user has too many
// requests in flight; docs/protocol.md "Limits") is asked again after its Retry-After, a 503
// only when it carries one (a proxy or a server in maintenance saying when to come back);
// every other failure goes to the engine at once, which has its own offline handling.

import { MAX_CLIENT_RETRY_AFTER_SEC, MAX_CLIENT_RETRY_WAIT_SEC } from '../../common/limits.js';

/**
 * Seconds to wait before asking again after an answer with `status`, having waited `waitedSec`
 * already for this request; 0: do not ask again (not a busy answer, or MAX_CLIENT_RETRY_WAIT_SEC
 * would be passed).
 */
export function busyPauseSec(status: number, retryAfter: string | undefined, waitedSec: number, now = Date.now()): number {
  if (status !== 429 && !(status === 503 && retryAfter !== undefined)) return 0;
  const pause = retryAfterSec(retryAfter, now);
  return waitedSec + pause > MAX_CLIENT_RETRY_WAIT_SEC ? 0 : pause;
}

/** Seconds to wait from a Retry-After header (seconds or an HTTP date), within 0.1..MAX_CLIENT_RETRY_AFTER_SEC; 1 when absent or unreadable. */
export function retryAfterSec(header: string | undefined, now = Date.now()): number {
  let seconds = 1;
  if (header !== undefined && /^\d+$/.test(header.trim())) seconds = Number(header.trim());
  else if (header !== undefined && Number.isFinite(Date.parse(header))) seconds = (Date.parse(header) - now) / 1000;
  return Math.min(MAX_CLIENT_RETRY_AFTER_SEC, Math.max(0.1, seconds));
}
