// What one engine's disk operations share: the file system they go through (real, or the
// simulation's in-memory one) and the per-engine memory kept alongside it. Nothing of it is
// module-level, so two engines in one process are independent (docs/engine.md "The
// file-system port").

import type { FileSystem } from '../fs/file-system.js';
import { nodeFileSystem } from '../fs/node-file-system.js';
import { FolderMaker } from './folder-maker.js';
import { KeptBytes } from './kept-bytes.js';
import { PrefetchRegistry } from './prefetch-registry.js';

export interface EngineDisk {
  readonly fs: FileSystem;
  /** Folders this engine made (mkdir -p, remembered). */
  readonly folders: FolderMaker;
  /** Small files' bytes from the scan, for the upload that follows. */
  readonly kept: KeptBytes;
  /** Who writes which download temp file. */
  readonly prefetches: PrefetchRegistry;
  /** Numbers the small downloads' temp files (small-temp.ts), unique within this engine. */
  nextTempNumber(): number;
}

export function engineDisk(fs: FileSystem = nodeFileSystem): EngineDisk {
  let sequence = 0;
  return { fs, folders: new FolderMaker(fs), kept: new KeptBytes(), prefetches: new PrefetchRegistry(fs), nextTempNumber: () => sequence++ };
}
