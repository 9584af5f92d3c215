// What the mass-delete guard holds (planner.ts holdMassDeletes), as the status shows it, and
// how a cancelled deletion from the server is undone (docs/engine.md "Deletions").

import type { PendingDeletes } from '../../common/sync-api.js';
import type { IndexStore } from './index-store.js';
import type { Plan } from './planner.js';

const SAMPLE = 10;

/**
 * The held deletions the user is asked about: those this device would send first (they
 * reach every device), then those from the server that would empty this disk.
 */
export function heldDeletesStatus(plan: Plan, syncedFiles: number, localFiles: number): PendingDeletes | null {
  if (plan.heldDeletes.length > 0) return { count: plan.heldDeletes.length, total: syncedFiles, sample: plan.heldDeletes.slice(0, SAMPLE), side: 'local' };
  if (plan.heldRemoteDeletes.length > 0) {
    return { count: plan.heldRemoteDeletes.length, total: localFiles, sample: plan.heldRemoteDeletes.slice(0, SAMPLE), side: 'remote' };
  }
  return null;
}

/**
 * Cancelling deletions from the server keeps the local files: their base and the journal's
 * deletion are dropped, so the next plan sees files new on this device and uploads them (on
 * the server and every device they come back).
 */
export function keepLocalCopies(index: IndexStore, paths: readonly string[]): void {
  if (paths.length === 0) return;
  index.transaction(() => {
    for (const path of paths) {
      index.deleteBase(path);
      index.clearRemote(path);
    }
  });
}
