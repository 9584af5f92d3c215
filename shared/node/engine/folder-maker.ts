// mkdir -p with a memory of folders already made, one per engine: downloads of many small
// files would otherwise pay one mkdir per file. Two engines in one process (the desktop app's
// folders, the simulation's devices) each keep their own memory.

import type { FileSystem } from '../fs/file-system.js';

/** Past this many folders the memory starts over (a bound, not a cache policy). */
const MAX_KNOWN = 10_000;

export class FolderMaker {
  private readonly known = new Set<string>();
  /** mkdirs in flight, shared by the downloads that need the same folder at once. */
  private readonly making = new Map<string, Promise<void>>();

  constructor(private readonly fs: FileSystem) {}

  /** Makes `path` and its parents. Callers that then fail with ENOENT call forget and retry. */
  async ensure(path: string): Promise<void> {
    if (this.known.has(path)) return;
    let making = this.making.get(path);
    if (!making) {
      making = this.fs
        .mkdir(path, { recursive: true })
        .then(() => {
          if (this.known.size > MAX_KNOWN) this.known.clear();
          this.known.add(path);
        })
        .finally(() => this.making.delete(path));
      this.making.set(path, making);
    }
    await making;
  }

  /** Forgets every folder made: one was removed behind our back. */
  forget(): void {
    this.known.clear();
  }
}
