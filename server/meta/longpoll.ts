// Wakes long-polls the moment their namespace's journal advances. Waiters live in memory:
// a long-poll is only a hint to call list, so a restart that drops them loses nothing.

export type Wake = (changed: boolean) => void;

export class Longpolls {
  private readonly waiters = new Map<number, Set<Wake>>();

  /**
   * Resolves true once `notify(namespaceId)` is called, false after `timeoutMs` or when
   * `signal` aborts or the server closes.
   */
  wait(namespaceId: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let set = this.waiters.get(namespaceId);
      if (!set) this.waiters.set(namespaceId, (set = new Set()));
      const waiters = set;
      const done: Wake = (changed) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(namespaceId) === waiters) this.waiters.delete(namespaceId);
        resolve(changed);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.add(done);
    });
  }

  notify(namespaceId: number): void {
    for (const wake of [...(this.waiters.get(namespaceId) ?? [])]) wake(true);
  }

  /** Wakes every wait: their namespaces may have changed unheard (each looks again). */
  notifyAll(): void {
    for (const namespaceId of [...this.waiters.keys()]) this.notify(namespaceId);
  }

  /** Ends every wait (server shutdown): they answer "no change" and clients poll again. */
  closeAll(): void {
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake(false);
  }

  /** How many long-polls of this namespace wait now. */
  waiting(namespaceId: number): number {
    return this.waiters.get(namespaceId)?.size ?? 0;
  }

  get size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }
}
