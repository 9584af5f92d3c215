// Requests in flight per user, so that one user's uploads or long-polls cannot take every
// connection, socket buffer and byte of memory from the others: past the limit a request
// is answered 429 with Retry-After at once (docs/protocol.md, "Limits").

import {
  LONGPOLL_RETRY_AFTER_SEC,
  MAX_LONGPOLLS_PER_USER,
  MAX_REQUESTS_PER_USER,
  RETRY_AFTER_SEC,
} from '../../shared/common/limits.js';
import { HttpError } from './respond.js';

export type Slot = 'request' | 'longpoll';

const LIMITS: Record<Slot, { most: number; retryAfterSec: number }> = {
  request: { most: MAX_REQUESTS_PER_USER, retryAfterSec: RETRY_AFTER_SEC },
  longpoll: { most: MAX_LONGPOLLS_PER_USER, retryAfterSec: LONGPOLL_RETRY_AFTER_SEC },
};

export class Admission {
  private readonly inFlight = new Map<string, number>();

  /**
   * Takes a slot of `slot` for `userId`; the returned function gives it back (call it once,
   * when the answer is done or the client left). Throws a 429 HttpError when none is free.
   */
  enter(userId: number, slot: Slot, what: string): () => void {
    const key = `${slot}:${userId}`;
    const held = this.inFlight.get(key) ?? 0;
    const { most, retryAfterSec } = LIMITS[slot];
    if (held >= most) {
      throw new HttpError(429, 'too_many_requests', `${what}: this user has ${held} ${slot === 'longpoll' ? 'long-polls' : 'requests'} in flight, the most allowed; retry in ${retryAfterSec} s`, {
        'retry-after': String(retryAfterSec),
      });
    }
    this.inFlight.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    };
  }
}
