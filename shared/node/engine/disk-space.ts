// EDGE 19: downloads stop before the disk is full, not when a write fails at 0 bytes free.
// Each run of downloads reads the free space once and hands it out file by file; a file that
// would cross the floor is not started and is reported instead, and it is tried again on the
// next cycle, so syncing resumes by itself once space is freed. Nothing is written for it, so
// no empty placeholder can appear and later be uploaded.

import { statfs } from 'node:fs/promises';

/** Syncthing's default for its minDiskFree: keep 1 % of the file system free. */
export const DEFAULT_FREE_FRACTION = 0.01;

export interface SpaceBudget {
  /** Reserves `bytes` for one file; false (nothing reserved) when that would cross the floor. */
  take(bytes: number): boolean;
  /** Bytes free when the budget was read, and the floor kept free. */
  readonly free: number;
  readonly floor: number;
}

/** The free space under `root` less `floorBytes` (default: 1 % of the file system). */
export async function spaceBudget(root: string, floorBytes?: number): Promise<SpaceBudget> {
  const fs = await statfs(root);
  const free = fs.bavail * fs.bsize;
  const floor = floorBytes ?? Math.round(fs.blocks * fs.bsize * DEFAULT_FREE_FRACTION);
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
