// Writes one chosen version of a file into a synced folder for a restore: the bytes
// come from the local trash (moved back, never copied) or from the server's blocks (through
// the engine's downloader, hash-checked). A different file already at the name is kept: as
// a conflicted copy, or in the local trash when it is exactly the server's live version.
// Nothing is written through a symbolic link.

import { dirname, join } from 'node:path';
import type { JournalEntry } from '../../common/protocol.js';
import { SyncError } from '../../common/errors.js';
import { pathProblem } from '../../common/paths.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { conflictCopyPath } from './conflict-name.js';
import { fetchToTemp } from './downloader.js';
import { hashSnapshot } from './hash-snapshot.js';
import { refuseLinkedPath } from './inside-root.js';
import { existsOnDisk, lstatOrNull } from './local-files.js';
import { moveToTrash, takeFromTrash, trashData, type TrashEntry } from './local-trash.js';
import { engineDisk, type EngineDisk } from './engine-disk.js';
import type { FileSystem } from '../fs/file-system.js';

/** One version to bring back, and where from. */
export type Version = { kind: 'trash'; entry: TrashEntry } | { kind: 'server'; entry: JournalEntry };

export interface PlaceContext {
  root: string;
  device: string;
  now: number;
  /** Needed for server versions. */
  remote?: RemoteStore;
  /** The server's live version at the target, when known: a local file holding it is safe there. */
  live?: { contentHash: string; rev: number } | null;
  /** The disk the synced folder is on; the real one if absent. */
  fs?: FileSystem;
}

export interface Placed {
  /** false: the target already held these bytes, nothing was written. */
  written: boolean;
  /** Where the file that stood at the target went (a conflicted copy, or "the trash"), or null. */
  keptAs: string | null;
}

export function versionHash(version: Version): string | null {
  return version.entry.contentHash;
}

/** Writes `version` at sync path `target`. */
export async function placeVersion(target: string, version: Version, ctx: PlaceContext): Promise<Placed> {
  const problem = pathProblem(target);
  if (problem) throw new SyncError('invalid_path', `restore "${target}": ${problem}`);
  const abs = join(ctx.root, target);
  // The engine's disk helpers, on the real disk, with a memory of this restore's own.
  const disk = engineDisk(ctx.fs);
  refuseLinkedPath(disk.fs, ctx.root, target, 'restore');
  const existing = await lstatOrNull(disk.fs, abs);
  if (existing && !existing.isFile()) throw new SyncError('io', `restore "${target}": a folder, link or special file is in the way`);
  const wanted = versionHash(version);
  const before = existing ? await hashSnapshot(disk.fs, abs) : null;
  if (existing && !before) throw new SyncError('io', `restore "${target}": the file there is changing; try again once it is saved`);
  if (before && wanted !== null && before.contentHash === wanted) return { written: false, keptAs: null };

  // The new bytes first: a failed download leaves the folder as it was.
  const staged = version.kind === 'trash' ? trashData(ctx.root, version.entry) : await download(disk, target, version.entry, ctx);
  let keptAs: string | null = null;
  try {
    if (before) keptAs = await keepExisting(disk, target, abs, before.contentHash, before.size, ctx);
    refuseLinkedPath(disk.fs, ctx.root, target, 'restore');
    await disk.fs.mkdir(dirname(abs), { recursive: true });
    if (version.kind === 'trash') await takeFromTrash(disk.fs, ctx.root, version.entry, abs);
    else await disk.fs.rename(staged, abs);
  } catch (error) {
    if (version.kind === 'server') await disk.fs.unlink(staged).catch(() => undefined);
    throw new SyncError('io', `restore "${target}": ${(error as Error).message}${keptAs ? ` (the file that was there is "${keptAs}")` : ''}`, { cause: error });
  }
  return { written: true, keptAs };
}

async function download(disk: EngineDisk, target: string, entry: JournalEntry, ctx: PlaceContext): Promise<string> {
  if (!ctx.remote) throw new SyncError('bad_request', `restore "${target}": a server version needs the server`);
  const fetched = await fetchToTemp(
    { path: target, size: entry.size, contentHash: entry.contentHash!, blocks: entry.blocks, mtime: entry.mtime },
    { disk, root: ctx.root, remote: ctx.remote, locate: () => [] },
  );
  return fetched.temp;
}

/** Moves the different file at the target out of the way, keeping it. */
async function keepExisting(disk: EngineDisk, target: string, abs: string, contentHash: string, size: number, ctx: PlaceContext): Promise<string> {
  if (ctx.live && ctx.live.contentHash === contentHash) {
    // The server's live version: safe there, and in the trash for an offline way back.
    await moveToTrash(disk, ctx.root, abs, { path: target, trashedAt: ctx.now, size, contentHash, rev: ctx.live.rev, reason: 'overwritten' });
    return 'the local trash';
  }
  const copy = conflictCopyPath(target, ctx.device, ctx.now, (candidate) => existsOnDisk(disk.fs, ctx.root, candidate));
  refuseLinkedPath(disk.fs, ctx.root, copy, 'restore');
  await disk.fs.rename(abs, join(ctx.root, copy));
  return copy;
}
