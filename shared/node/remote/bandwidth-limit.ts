// A transfer-rate cap that can change while transfers wait on it. Each transfer takes its
// turn (first come, first served) and waits bytes/rate before it may go on; the wait is
// slept in short slices that re-read the rate, so a new cap (or lifting it) takes effect
// within SLICE_MS, as the status window promises (docs/engine.md, "Bandwidth limits").
// The cap is per direction and per client: a block is the unit, so the average rate over
// a few blocks is the cap, not every instant.

/** The longest a waiting transfer sleeps before it looks at the cap again. */
export const SLICE_MS = 200;

export interface Sleeper {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realTime: Sleeper = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class BandwidthLimit {
  private bytesPerSec = 0;
  private turn: Promise<void> = Promise.resolve();

  constructor(
    bytesPerSec = 0,
    private readonly time: Sleeper = realTime,
  ) {
    this.set(bytesPerSec);
  }

  /** 0 lifts the cap. */
  set(bytesPerSec: number): void {
    if (!Number.isFinite(bytesPerSec) || bytesPerSec < 0) throw new RangeError(`bandwidth limit must be ≥ 0 bytes/s, got ${bytesPerSec}`);
    this.bytesPerSec = bytesPerSec;
  }

  get rate(): number {
    return this.bytesPerSec;
  }

  /** Resolves once `bytes` may move under the cap; at once when there is none. */
  take(bytes: number): Promise<void> {
    if (this.bytesPerSec === 0 || bytes <= 0) return Promise.resolve();
    const mine = this.turn.then(() => this.spend(bytes));
    this.turn = mine;
    return mine;
  }

  /** Sleeps until `bytes` are paid for at the current rate, whatever it becomes meanwhile. */
  private async spend(bytes: number): Promise<void> {
    let owed = bytes;
    while (owed > 0 && this.bytesPerSec > 0) {
      const rate = this.bytesPerSec;
      const ms = Math.min(SLICE_MS, (owed / rate) * 1000);
      const start = this.time.now();
      await this.time.sleep(ms);
      owed -= ((this.time.now() - start) / 1000) * rate;
    }
  }
}
