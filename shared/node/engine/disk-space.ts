// EDGE 19: downloads stop before the disk is full, not when a write fails at 0 bytes free.
// Each run of downloads reads the free space once and hands it out file by file; a file that
// would cross the floor is not started and is reported instead, and it is tried again on the
// next cycle, so syncing resumes by itself once space is freed. Nothing is written for it, so
// no empty placeholder can appear and later be uploaded.

import type { FileSystem } from '../fs/file-system.js';

/** The default floor: 1 GB kept free, or 5 % of a disk smaller than 20 GB (a full disk breaks the OS, not only us). */
export const DEFAULT_FREE_BYTES = 1e9;
export const DEFAULT_FREE_FRACTION = 0.05;

/** The floor kept free on a file system of `totalBytes` when the user set none. */
export function defaultFloor(totalBytes: number): number {
  return Math.round(Math.min(DEFAULT_FREE_BYTES, totalBytes * DEFAULT_FREE_FRACTION));
}

export interface SpaceBudget {
  /** Reserves `bytes` for one file; false (nothing reserved) when that would cross the floor. */
  take(bytes: number): boolean;
  /** Bytes free when the budget was read, and the floor kept free. */
  readonly free: number;
  readonly floor: number;
}

/** The free space under `root` less `floorBytes` (default: defaultFloor of the file system). */
export async function spaceBudget(fs: FileSystem, root: string, floorBytes?: number): Promise<SpaceBudget> {
  const space = await fs.statfs(root);
  const free = space.bavail * space.bsize;
  const floor = floorBytes ?? defaultFloor(space.blocks * space.bsize);
  let left = free - floor;
  return {
    free,
    floor,
    take(bytes: number): boolean {
      if (bytes > left) return false;
      left -= bytes;
      return true;
    },
  };
}
