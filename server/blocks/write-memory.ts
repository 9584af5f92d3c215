// What the retention sweep must know of this process's own writes to an in-house store (the
// data dir's blocks/, or an S3-compatible cluster; docs/hybrid-storage.md "Retention"): which
// blocks and packs were written lately, whose rows may not be recorded yet, and which
// deletions are under way, which a write of the same block waits for.

/**
 * How long a write is remembered: far longer than the moment between bytes landing and the
 * route recording their rows.
 */
const WRITE_MEMORY_MS = 10 * 60_000;

export class WriteMemory {
  /** Names written lately (name → when), oldest first. */
  private readonly written = new Map<string, number>();
  /** Deletions under way: a write of the same name waits for them. */
  private readonly freeing = new Map<string, Promise<void>>();

  /**
   * Call right before writing `name`: waits for a deletion of it under way, then notes the
   * write in the same turn as the last check, so a sweep from here on leaves it (wroteLately).
   */
  async beforeWrite(name: string): Promise<void> {
    while (this.freeing.has(name)) await this.freeing.get(name);
    this.note(name);
  }

  /** Notes a write of a name no deletion can be under way for (a new pack). */
  note(name: string): void {
    const now = Date.now();
    this.written.delete(name);
    this.written.set(name, now);
    for (const [old, at] of this.written) {
      if (now - at < WRITE_MEMORY_MS) break;
      this.written.delete(old);
    }
  }

  /** True when `name` was written in the last WRITE_MEMORY_MS: its rows may not be in the index yet. */
  wroteLately(name: string): boolean {
    const at = this.written.get(name);
    return at !== undefined && Date.now() - at < WRITE_MEMORY_MS;
  }

  /**
   * Registers `deletion` of `name`, just started, until it settles; a write of `name` that
   * starts meanwhile waits for it (beforeWrite). Returns the deletion.
   */
  free(name: string, deletion: Promise<void>): Promise<void> {
    const done = deletion.finally(() => this.freeing.delete(name));
    this.freeing.set(name, done.catch(() => undefined));
    return done;
  }
}
