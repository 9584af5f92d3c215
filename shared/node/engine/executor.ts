// Runs a plan: renames and adoptions first, then downloads (a few files at a time; small
// files many at a time, their blocks read hundreds per request ahead of them), then one
// batched push of uploads, moves and deletes, then local deletions. The base (index)
// changes only after each operation has durably completed on both sides.

import { dirname, join } from 'node:path';
import type { BlockHash } from '../../common/blocks.js';
import { toErrorData, type ErrorData } from '../../common/errors.js';
import { pathProblem } from '../../common/paths.js';
import type { CommitChange, JournalEntry } from '../../common/protocol.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { BlockPrefetch } from './block-prefetch.js';
import { heldUnderOtherCase, matchFolderCase } from './case-on-disk.js';
import { caseConflictPath, conflictCopyPath } from './conflict-name.js';
import { spaceBudget } from './disk-space.js';
import { fetchToTemp, tempDir, type Fetched } from './downloader.js';
import type { EngineDisk } from './engine-disk.js';
import { folderInTheWay } from './folder-in-the-way.js';
import { hashSnapshot } from './hash-snapshot.js';
import { linkOnPath, refuseLinkedPath } from './inside-root.js';
import { caseClashes, localNameProblem, localPathProblem } from './local-names.js';
import type { IndexStore } from './index-store.js';
import { existsOnDisk, lstatOrNull, pruneEmptyDirs, removeEmptyFolder, stillMatches } from './local-files.js';
import { moveToTrash } from './local-trash.js';
import { writeSmallTemp } from './small-temp.js';
import { pushChanges, type OutgoingChange } from './uploader.js';
import { unsync, unsyncAside } from './unsync.js';
import type { BaseEntry, LocalEntry, Op } from './types.js';
import type { ActivityItem } from '../../common/sync-api.js';
import { formatBytes } from '../../common/status-words.js';

export interface ExecutorContext {
  /** The file system and this engine's memory of it. */
  disk: EngineDisk;
  root: string;
  device: string;
  remote: RemoteStore;
  index: IndexStore;
  local: Map<string, LocalEntry>;
  now(): number;
  problem(path: string, error: ErrorData): void;
  solved(path: string): void;
  activity(item: Omit<ActivityItem, 'at'>): void;
  progress(direction: 'up' | 'down', bytes: number): void;
  /** Paths to rescan before the next plan (they moved while we worked). */
  rescan(path: string): void;
  /** Bytes to keep free on the folder's disk (default: 1 % of it); downloads stop short of it. */
  minFreeBytes?: number;
  /** The platform whose name rules apply (process.platform values; local-names.ts). */
  platform: string;
  /** The root's disk finds a name under another letter case. */
  caseInsensitive: boolean;
}

export interface ExecuteResult {
  done: number;
  /** The server had newer revisions than we based changes on: pull and replan. */
  needPull: boolean;
}

const FILES_IN_FLIGHT = 16;
const SMALL_FILES_IN_FLIGHT = 48;
/** Files up to this size, made of one block, get their block through a batched read. */
const SMALL_FILE = 1024 * 1024;

type DownloadOp = Extract<Op, { kind: 'download' | 'conflict' | 'restore' | 'download_aside' }>;

export async function execute(ops: Op[], ctx: ExecutorContext): Promise<ExecuteResult> {
  const result: ExecuteResult = { done: 0, needPull: false };
  const downloads: Op[] = [];
  const pushes: Op[] = [];
  const localDeletes: Extract<Op, { kind: 'delete_local' | 'unsync' | 'unsync_aside' }>[] = [];
  for (const op of ops) {
    if (op.kind === 'download' || op.kind === 'conflict' || op.kind === 'restore' || op.kind === 'download_aside') downloads.push(op);
    else if (op.kind === 'upload' || op.kind === 'upload_move' || op.kind === 'delete_remote') pushes.push(op);
    else if (op.kind === 'delete_local' || op.kind === 'unsync' || op.kind === 'unsync_aside') localDeletes.push(op);
    else if (op.kind === 'upload_aside') await guarded(ctx, op.path, async () => {
      pushes.push(...(await moveAside(op, ctx)));
      result.done++;
    });
    else await guarded(ctx, op.path, async () => {
      pushes.push(...(await applyLocal(op, ctx)));
      result.done++;
    });
  }
  // Small files are mostly waiting on fsync: more of them in flight keeps the disk busy.
  const small: DownloadOp[] = [];
  const other: DownloadOp[] = [];
  const space = downloads.length > 0 ? await spaceBudget(ctx.disk.fs, ctx.root, ctx.minFreeBytes) : null;
  for (const op of ctx.caseInsensitive ? settleCaseClashes(downloads as DownloadOp[], ctx) : (downloads as DownloadOp[])) {
    const size = op.kind === 'restore' ? op.base.size : op.entry.size;
    const unfit = unfitName(op.path, ctx);
    if (unfit) {
      ctx.problem(op.path, toErrorData(unfit)); // before any block of it is fetched
      continue;
    }
    if (space && !space.take(size)) {
      // Not started, so nothing is written for it; the next cycle tries again.
      ctx.problem(op.path, {
        code: 'disk_full',
        message: `download "${op.path}": ${formatBytes(size)} would leave less than ${formatBytes(space.floor)} free on the disk (${formatBytes(space.free)} free); it syncs once space is freed`,
      });
      continue;
    }
    (isSmall(op, ctx) ? small : other).push(op);
  }
  const prefetch = small.length > 1 ? new BlockPrefetch(ctx.remote, small.map((op) => smallBlock(op))) : null;
  prefetch?.start();
  const pool = async (list: DownloadOp[], width: number) => {
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const op = list[next++];
        await guarded(ctx, op.path, async () => {
          pushes.push(...(await download(op, ctx, prefetch)));
          result.done++;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, list.length) }, worker));
  };
  await Promise.all([pool(small, SMALL_FILES_IN_FLIGHT), pool(other, FILES_IN_FLIGHT)]);
  if (pushes.length > 0) {
    const pushed = await push(pushes, ctx);
    result.done += pushed.done;
    result.needPull ||= pushed.needPull;
  }
  for (const op of localDeletes) await guarded(ctx, op.path, async () => {
    if (op.kind === 'unsync') await unsync(op, ctx);
    else if (op.kind === 'unsync_aside') await unsyncAside(op, ctx);
    else await deleteLocal(op, ctx);
    result.done++;
  });
  return result;
}

/**
 * A one-block file small enough for a batched read, whose block no local file holds
 * (those are copied locally instead).
 */
function isSmall(op: DownloadOp, ctx: ExecutorContext): boolean {
  if (op.kind === 'restore') return false;
  const { blocks, size } = op.entry;
  return blocks.length === 1 && size <= SMALL_FILE && ctx.index.locate(blocks[0]).length === 0;
}

function smallBlock(op: DownloadOp): { hash: BlockHash; size: number } {
  const entry = (op as Exclude<DownloadOp, { kind: 'restore' }>).entry;
  return { hash: entry.blocks[0], size: entry.size };
}

/** Runs one path's work; a failure becomes that path's problem unless the server is gone. */
async function guarded(ctx: ExecutorContext, path: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    ctx.solved(path);
  } catch (error) {
    const data = toErrorData(error);
    if (data.code === 'unavailable' || data.code === 'unauthorized') throw error;
    ctx.problem(path, data);
  }
}

/**
 * On a case-insensitive disk a new file whose name differs only in letter case from one held
 * or arriving goes aside as a "(Case Conflict)" copy (so both are kept, on every device); one
 * under a folder that clashes so is reported and not written (docs/engine.md "Names").
 */
function settleCaseClashes(downloads: DownloadOp[], ctx: ExecutorContext): DownloadOp[] {
  const fresh = downloads.filter((op) => op.kind === 'download' && op.expect === null).map((op) => op.path);
  const clashes = caseClashes(fresh, new Set([...ctx.local.keys(), ...ctx.index.base.keys()]));
  if (clashes.size === 0) return downloads;
  const out: DownloadOp[] = [];
  for (const op of downloads) {
    const clash = clashes.get(op.path);
    if (!clash || op.kind !== 'download') out.push(op);
    else if (clash.kind === 'file') out.push({ kind: 'download_aside', path: op.path, entry: op.entry, naming: 'case' });
    else ctx.problem(op.path, { code: 'invalid_path', message: `download "${op.path}": refused, "${clash.with}" differs from a folder on its path only in letter case, and this disk does not tell them apart` });
  }
  return out;
}

/** The error for a name this device cannot hold (local-names.ts), or null. */
function unfitName(path: string, ctx: ExecutorContext): Error | null {
  const problem = localNameProblem(path, ctx.platform) ?? localPathProblem(join(ctx.root, path), ctx.platform);
  return problem ? Object.assign(new Error(`download "${path}": refused, ${problem}`), { code: 'invalid_path' }) : null;
}

function baseFrom(entry: JournalEntry, local: { size: number; mtime: number; ino: number }): BaseEntry {
  return {
    path: entry.path,
    rev: entry.rev,
    fileId: entry.fileId,
    contentHash: entry.contentHash!,
    size: entry.size,
    mtime: local.mtime,
    ino: local.ino,
    remoteMtime: entry.mtime,
  };
}

/** Returns what must go up because of it (a move that fell back to a download aside). */
async function applyLocal(op: Extract<Op, { kind: 'forget' | 'adopt' | 'move_local' }>, ctx: ExecutorContext): Promise<Op[]> {
  const { index } = ctx;
  if (op.kind === 'forget') {
    index.transaction(() => {
      index.deleteBase(op.path);
      index.clearRemote(op.path);
    });
    return [];
  }
  if (op.kind === 'adopt') {
    index.setBase(baseFrom(op.entry, op.local), op.entry.blocks);
    return [];
  }
  const fromAbs = join(ctx.root, op.from);
  const toAbs = join(ctx.root, checkedPath(op.path));
  refuseLinkedPath(ctx.disk.fs, ctx.root, op.from, 'move');
  refuseLinkedPath(ctx.disk.fs, ctx.root, op.path, 'move');
  const now = await lstatOrNull(ctx.disk.fs, fromAbs);
  // On a case-insensitive disk a target differing only in letter case is the source itself
  // (found under its own inode, or not: exfat-fuse numbers each spelling apart): a case-only
  // rename, which rename() does in place.
  const caseOnly = ctx.caseInsensitive && op.path.toLowerCase() === op.from.toLowerCase();
  const target = await lstatOrNull(ctx.disk.fs, toAbs);
  // Moved onto the name of a folder it is in (x/c/n -> x/c): that folder is in the way only
  // until the file steps out of it.
  const ontoOwnFolder = op.from.startsWith(`${op.path}/`) && target?.isDirectory() === true;
  if (!now || !(await stillMatches(ctx.disk.fs, fromAbs, op.expect, now)) || (target && target.ino !== now.ino && !caseOnly && !ontoOwnFolder)) {
    // Not the file we think it is: fetch the new path normally; the old path is replanned.
    // Its follow-ups (a copy beside a folder that keeps the name) go up like any other's.
    return download({ kind: 'download', path: op.path, entry: op.entry, expect: null }, ctx, null);
  }
  if (op.path.startsWith(`${op.from}/`)) {
    // Moved under its own old name (x.txt -> x.txt/c/x.txt): the file steps out of the way
    // first, so the folder can take its name. The server holds this version meanwhile.
    const aside = join(tempDir(ctx.root), `move-${now.ino}.part`);
    await ctx.disk.folders.ensure(dirname(aside));
    await ctx.disk.fs.rename(fromAbs, aside);
    await ctx.disk.fs.mkdir(dirname(toAbs), { recursive: true });
    await ctx.disk.fs.rename(aside, toAbs);
  } else if (ontoOwnFolder) {
    // The file steps out; the folders it leaves empty make way for its new name. A folder
    // still holding something (an ignored or unsynced file) keeps it: the file goes back,
    // and the new name is fetched like any download meeting that folder (a conflicted copy
    // beside it, folder-in-the-way.ts).
    const aside = join(tempDir(ctx.root), `move-${now.ino}.part`);
    await ctx.disk.folders.ensure(dirname(aside));
    await ctx.disk.fs.rename(fromAbs, aside);
    ctx.disk.folders.forget();
    if (!(await removeEmptyFolder(ctx.disk.fs, toAbs))) {
      await ctx.disk.fs.rename(aside, fromAbs);
      return download({ kind: 'download', path: op.path, entry: op.entry, expect: null }, ctx, null);
    }
    await ctx.disk.fs.rename(aside, toAbs);
  } else {
    await ctx.disk.fs.mkdir(dirname(toAbs), { recursive: true });
    await ctx.disk.fs.rename(fromAbs, toAbs);
    // A folder renamed only in case: the file stayed in the folder, which takes the new name.
    if (caseOnly) matchFolderCase(ctx.disk.fs, ctx.root, op.path);
  }
  const moved = await ctx.disk.fs.stat(toAbs);
  const local = { path: op.path, size: moved.size, mtime: moved.mtimeMs, ino: moved.ino, contentHash: op.entry.contentHash };
  index.transaction(() => {
    index.setBase(baseFrom(op.entry, local), op.entry.blocks);
    index.deleteBase(op.from);
    index.clearRemote(op.from);
  });
  ctx.local.delete(op.from);
  ctx.local.set(op.path, local);
  await pruneEmptyDirs(ctx.disk.fs, ctx.root, dirname(op.from));
  ctx.activity({ path: op.path, direction: 'down', action: 'moved', bytes: 0 });
  return [];
}

/** Paths from the server are checked again here: a path is never trusted twice. */
function checkedPath(path: string): string {
  const problem = pathProblem(path);
  if (problem || path !== path.normalize('NFC')) {
    throw Object.assign(new Error(`download "${path}": refused, ${problem ?? 'not in NFC form'}`), { code: 'invalid_path' });
  }
  return path;
}

/** Returns what must go up because of it (a conflict copy written beside a local folder). */
async function download(planned: DownloadOp, ctx: ExecutorContext, prefetch: BlockPrefetch | null): Promise<Op[]> {
  const { index } = ctx;
  const op: DownloadOp =
    planned.kind === 'download' && (await folderInTheWay(ctx.disk, ctx.root, checkedPath(planned.path), ctx.local)) === 'keeps-name'
      ? { kind: 'download_aside', path: planned.path, entry: planned.entry }
      : planned;
  const entry: JournalEntry = op.kind === 'restore' ? index.baseAsEntry(op.base, ctx.device) : op.entry;
  // Beside a local folder of the same name, the remote file lands under a conflict name
  // of the device that wrote it.
  const path =
    op.kind !== 'download_aside' ? checkedPath(op.path) : op.naming === 'case' ? freeCaseCopyPath(checkedPath(op.path), ctx) : freeCopyPath(checkedPath(op.path), entry.device, ctx);
  const unfit = unfitName(path, ctx);
  if (unfit) throw unfit;
  const abs = join(ctx.root, path);
  refuseLinkedPath(ctx.disk.fs, ctx.root, path, 'download');
  const prefetched = prefetch && entry.blocks.length === 1 ? await prefetch.take(entry.blocks[0]) : null;
  let fetched: Fetched;
  if (prefetched && prefetched.length === entry.size) {
    fetched = await writeSmallTemp(ctx.disk, ctx.root, { contentHash: entry.contentHash!, mtime: entry.mtime }, prefetched);
    ctx.progress('down', prefetched.length);
  } else {
    fetched = await fetchToTemp(
      { path, size: entry.size, contentHash: entry.contentHash!, blocks: entry.blocks, mtime: entry.mtime },
      {
        disk: ctx.disk,
        root: ctx.root,
        remote: ctx.remote,
        locate: (hash: BlockHash) => index.locate(hash),
        onBlock: (bytes) => ctx.progress('down', bytes),
      },
    );
  }
  // Re-check right before the rename: no folder on the way turned into a link meanwhile, and
  // the local file is still what the plan assumed.
  if (linkOnPath(ctx.disk.fs, ctx.root, path) !== null) await ctx.disk.fs.unlink(fetched.temp).catch(() => undefined);
  refuseLinkedPath(ctx.disk.fs, ctx.root, path, 'download');
  const now = await lstatOrNull(ctx.disk.fs, abs);
  let conflictCopy: string | null = null;
  if (now) {
    const expect = op.kind === 'download' ? op.expect : op.kind === 'restore' ? op.base : null;
    const replaceable = expect !== null && (await stillMatches(ctx.disk.fs, abs, expect, now));
    const truncated = op.kind === 'restore' && now.isFile() && now.size === 0;
    if (!replaceable && !truncated) {
      const snapshot = now.isFile() ? await hashSnapshot(ctx.disk.fs, abs) : null;
      if (snapshot && snapshot.contentHash === entry.contentHash) {
        await ctx.disk.fs.unlink(fetched.temp);
        const local = { path, size: snapshot.size, mtime: snapshot.mtime, ino: snapshot.ino, contentHash: snapshot.contentHash };
        if (op.kind === 'download_aside') return asideChanges(op, local);
        index.setBase(baseFrom(entry, local), entry.blocks);
        ctx.local.set(path, local);
        return [];
      }
      if (!now.isFile()) {
        // A small file's temp has a name nobody resumes: do not leave it behind.
        if (prefetched) await ctx.disk.fs.unlink(fetched.temp).catch(() => undefined);
        throw Object.assign(new Error(`download "${path}": a folder or special file is in the way`), { code: 'io' });
      } else {
        // A local edit the plan did not know about: it is kept under a conflict name.
        conflictCopy = await keepAsConflictCopy(path, ctx);
      }
    }
  }
  // New bytes for a file the user has keep the mode the user gave it (a script stays
  // executable, a private file private); a new file keeps the temp file's default.
  if (now?.isFile()) await ctx.disk.fs.chmod(fetched.temp, now.mode & 0o777);
  await ctx.disk.folders.ensure(dirname(abs));
  await renameIntoPlace(ctx.disk, fetched.temp, abs);
  const local = { path, size: fetched.size, mtime: fetched.mtime, ino: fetched.ino, contentHash: entry.contentHash };
  ctx.local.set(path, local);
  ctx.activity({
    path,
    direction: 'down',
    action: conflictCopy || op.kind === 'conflict' || op.kind === 'download_aside' ? 'conflict' : op.kind === 'download' && op.expect ? 'modified' : 'added',
    bytes: entry.size,
  });
  if (op.kind === 'download_aside') return asideChanges(op, local);
  index.setBase(baseFrom(entry, local), entry.blocks);
  return [];
}

/**
 * The copy written beside a local folder goes up as a new file and the server's file leaves
 * the folder's name; until both are committed the base keeps the old revision, so a failed
 * push is replanned, never lost.
 */
function asideChanges(op: Extract<Op, { kind: 'download_aside' }>, copy: LocalEntry): Op[] {
  return [
    { kind: 'upload', path: copy.path, parentRev: null, local: { ...copy, blocks: undefined } },
    { kind: 'delete_remote', path: op.path, parentRev: op.entry.rev },
  ];
}

/**
 * A local file where the server now has a folder: it is renamed to a conflict copy (this
 * device's edit), which goes up as a new file; the folder's files then download into the
 * name. A server file still listed at the name is deleted.
 */
async function moveAside(op: Extract<Op, { kind: 'upload_aside' }>, ctx: ExecutorContext): Promise<Op[]> {
  const path = checkedPath(op.path);
  refuseLinkedPath(ctx.disk.fs, ctx.root, path, 'rename');
  const now = await lstatOrNull(ctx.disk.fs, join(ctx.root, path));
  if (!now || !now.isFile()) {
    ctx.rescan(path);
    return [];
  }
  const copy = await keepAsConflictCopy(path, ctx);
  ctx.index.transaction(() => {
    ctx.index.deleteBase(path);
    if (op.parentRev === null) ctx.index.clearRemote(path);
  });
  const local = ctx.local.get(copy);
  if (!local) return [];
  const changes: Op[] = [{ kind: 'upload', path: copy, parentRev: null, local }];
  if (op.parentRev !== null) changes.push({ kind: 'delete_remote', path, parentRev: op.parentRev });
  return changes;
}

/** The temp file becomes `abs`. */
async function renameIntoPlace({ fs, folders }: EngineDisk, temp: string, abs: string): Promise<void> {
  try {
    await fs.rename(temp, abs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    folders.forget(); // a folder on the way was removed meanwhile
    await fs.mkdir(dirname(abs), { recursive: true });
    await fs.rename(temp, abs);
  }
}

/** A conflict-copy name for `path` in `device`'s name that no tree and nothing on disk holds. */
function freeCopyPath(path: string, device: string, ctx: ExecutorContext): string {
  const { index } = ctx;
  return conflictCopyPath(path, device, ctx.now(), (candidate) => ctx.local.has(candidate) || index.base.has(candidate) || index.remote.has(candidate) || existsOnDisk(ctx.disk.fs, ctx.root, candidate));
}

/** A "(Case Conflict)" name for `path` that nothing holds in any letter case. */
function freeCaseCopyPath(path: string, ctx: ExecutorContext): string {
  const held = new Set([...ctx.local.keys(), ...ctx.index.base.keys(), ...ctx.index.remote.keys()].map((p) => p.toLowerCase()));
  return caseConflictPath(path, (candidate) => held.has(candidate.toLowerCase()) || existsOnDisk(ctx.disk.fs, ctx.root, candidate));
}

/** Renames the local file at `path` to a free conflict-copy name; it uploads as a new file. */
async function keepAsConflictCopy(path: string, ctx: ExecutorContext): Promise<string> {
  refuseLinkedPath(ctx.disk.fs, ctx.root, path, 'rename');
  const copy = freeCopyPath(path, ctx.device, ctx);
  await ctx.disk.fs.rename(join(ctx.root, path), join(ctx.root, copy));
  const snapshot = await hashSnapshot(ctx.disk.fs, join(ctx.root, copy));
  ctx.local.delete(path);
  if (snapshot) ctx.local.set(copy, { path: copy, ...snapshot });
  else ctx.rescan(copy);
  ctx.activity({ path: copy, direction: 'up', action: 'conflict', bytes: snapshot?.size ?? 0 });
  return copy;
}

async function deleteLocal(op: Extract<Op, { kind: 'delete_local' }>, ctx: ExecutorContext): Promise<void> {
  const { index } = ctx;
  const abs = join(ctx.root, checkedPath(op.path));
  refuseLinkedPath(ctx.disk.fs, ctx.root, op.path, 'delete');
  const now = await lstatOrNull(ctx.disk.fs, abs);
  // On a case-insensitive disk the name may find another path's file (the one a case-only
  // rename left): that file is not this path's to delete.
  const other = now !== null && ctx.caseInsensitive && heldUnderOtherCase(ctx.disk.fs, ctx.root, op.path);
  if (other || (now && !(await stillMatches(ctx.disk.fs, abs, op.expect, now)))) {
    // Deleted there, edited here: the edit wins and goes back up as a new file.
    index.transaction(() => {
      index.deleteBase(op.path);
      index.clearRemote(op.path);
    });
    if (!other) ctx.rescan(op.path);
    return;
  }
  // The server no longer holds this version as live: it goes to the local trash, not away.
  if (now) await moveToTrash(ctx.disk, ctx.root, abs, { path: op.path, trashedAt: ctx.now(), size: now.size, contentHash: op.expect.contentHash, rev: op.expect.rev, reason: 'deleted' });
  index.transaction(() => {
    index.deleteBase(op.path);
    index.clearRemote(op.path);
  });
  ctx.local.delete(op.path);
  await pruneEmptyDirs(ctx.disk.fs, ctx.root, dirname(op.path));
  ctx.activity({ path: op.path, direction: 'down', action: 'deleted', bytes: 0 });
}

async function push(ops: Op[], ctx: ExecutorContext): Promise<ExecuteResult> {
  const result: ExecuteResult = { done: 0, needPull: false };
  const outgoing: { op: Op; out: OutgoingChange; local?: LocalEntry }[] = [];
  for (const op of ops) {
    if (op.kind === 'delete_remote') {
      outgoing.push({ op, out: { change: { kind: 'delete', path: op.path, parentRev: op.parentRev } } });
    } else if (op.kind === 'upload_move') {
      const change: CommitChange = { kind: 'move', from: op.from, fromRev: op.fromRev, path: op.path, parentRev: op.parentRev };
      outgoing.push({ op, out: { change }, local: op.local });
    } else if (op.kind === 'upload') {
      let local = op.local;
      if (!local.blocks) {
        // Never read through a link: what it points to is outside the root.
        const snapshot = linkOnPath(ctx.disk.fs, ctx.root, op.path, true) !== null ? null : await hashSnapshot(ctx.disk.fs, join(ctx.root, op.path), { keep: ctx.disk.kept }).catch(() => null);
        if (!snapshot) {
          ctx.rescan(op.path);
          continue;
        }
        local = { path: op.path, ...snapshot };
      }
      const change: CommitChange = { kind: 'put', path: op.path, parentRev: op.parentRev, size: local.size, mtime: Math.round(local.mtime), blocks: local.blocks!.map((b) => b.hash) };
      outgoing.push({ op, out: { change, blocks: local.blocks, snapshot: { size: local.size, mtime: local.mtime } }, local });
    }
  }
  const outcomes = await pushChanges(
    outgoing.map((o) => o.out),
    { disk: ctx.disk, root: ctx.root, device: ctx.device, remote: ctx.remote, onBlockSent: (bytes) => ctx.progress('up', bytes) },
  );
  const { index } = ctx;
  outcomes.forEach((outcome, i) => {
    const { op, local } = outgoing[i];
    if (outcome.status === 'conflict') {
      result.needPull = true;
      return;
    }
    if (outcome.status === 'changed') {
      ctx.rescan(op.path);
      return;
    }
    if (outcome.status === 'failed') {
      ctx.problem(op.path, outcome.error);
      return;
    }
    const entry = outcome.entry;
    result.done++;
    ctx.solved(op.path);
    if (op.kind === 'delete_remote') {
      index.deleteBase(op.path);
      ctx.activity({ path: op.path, direction: 'up', action: 'deleted', bytes: 0 });
    } else if (op.kind === 'upload_move') {
      index.transaction(() => {
        index.setBase(baseFrom(entry, local!), entry.blocks);
        index.deleteBase(op.from);
      });
      ctx.activity({ path: op.path, direction: 'up', action: 'moved', bytes: 0 });
    } else {
      const existed = op.kind === 'upload' && op.parentRev !== null;
      index.setBase(baseFrom(entry, local!), entry.blocks);
      if (local) ctx.local.set(op.path, { ...local, blocks: undefined });
      ctx.activity({ path: op.path, direction: 'up', action: existed ? 'modified' : 'added', bytes: entry.size });
    }
  });
  return result;
}
