// The executor's side of selective sync (docs/engine.md "Selective sync"): a file inside an
// excluded folder leaves this disk through the local trash once the server holds its bytes,
// and a file made here inside one moves aside to "<folder> (selective sync conflict)".
// Both re-check the disk right before acting, like every other operation.

import { dirname, join } from 'node:path';
import type { ExecutorContext } from './executor.js';
import { refuseLinkedPath } from './inside-root.js';
import { existsOnDisk, lstatOrNull, pruneEmptyDirs, stillMatches } from './local-files.js';
import { moveToTrash } from './local-trash.js';
import { selectiveSyncConflictPath } from './selective-sync.js';
import type { Op } from './types.js';

/** Moves the file into the local trash when it still holds what the plan saw; its base becomes a remote entry. */
export async function unsync(op: Extract<Op, { kind: 'unsync' }>, ctx: ExecutorContext): Promise<void> {
  const abs = join(ctx.root, op.path);
  refuseLinkedPath(ctx.disk.fs, ctx.root, op.path, 'remove');
  const now = await lstatOrNull(ctx.disk.fs, abs);
  if (now) {
    if (!op.local || !(await stillMatches(ctx.disk.fs, abs, op.local, now))) {
      // Written to since the scan: the next plan sees the edit, and it goes up first.
      ctx.rescan(op.path);
      return;
    }
    const rev = op.expect?.rev ?? ctx.index.remote.get(op.path)?.rev ?? null;
    await moveToTrash(ctx.disk, ctx.root, abs, { path: op.path, trashedAt: ctx.now(), size: now.size, contentHash: op.local.contentHash, rev, reason: 'excluded' });
  }
  ctx.index.baseToRemote(op.path, ctx.device);
  ctx.local.delete(op.path);
  await pruneEmptyDirs(ctx.disk.fs, ctx.root, dirname(op.path));
}

/** Renames a file made here inside an excluded folder to the folder's conflict name; the next scan uploads it. */
export async function unsyncAside(op: Extract<Op, { kind: 'unsync_aside' }>, ctx: ExecutorContext): Promise<void> {
  const taken = (candidate: string) => ctx.local.has(candidate) || ctx.index.base.has(candidate) || ctx.index.remote.has(candidate) || existsOnDisk(ctx.disk.fs, ctx.root, candidate);
  const target = selectiveSyncConflictPath(op.path, op.folder, taken);
  refuseLinkedPath(ctx.disk.fs, ctx.root, op.path, 'rename');
  refuseLinkedPath(ctx.disk.fs, ctx.root, target, 'rename');
  const now = await lstatOrNull(ctx.disk.fs, join(ctx.root, op.path));
  if (!now?.isFile()) {
    ctx.rescan(op.path);
    return;
  }
  await ctx.disk.fs.mkdir(dirname(join(ctx.root, target)), { recursive: true });
  await ctx.disk.fs.rename(join(ctx.root, op.path), join(ctx.root, target));
  ctx.local.delete(op.path);
  ctx.rescan(target);
  ctx.activity({ path: target, direction: 'up', action: 'moved', bytes: 0 });
  await pruneEmptyDirs(ctx.disk.fs, ctx.root, dirname(op.path));
}
