// The pure planner: three trees in, operations out. No I/O, no clock: the same trees give
// the same plan on every device, which is what makes conflict resolution deterministic.

import type { JournalEntry } from '../../common/protocol.js';
import type { BaseEntry, BaseTree, LocalEntry, LocalTree, Op, RemoteTree } from './types.js';

export interface PlanOptions {
  /** Local deletions may be sent even above the mass-delete threshold (user confirmed). */
  deletesConfirmed: boolean;
  /** Deletions from the server may be applied here even above the threshold (user confirmed). */
  remoteDeletesConfirmed?: boolean;
  /** Hold deletions when more than this many files … */
  massDeleteCount: number;
  /** … and more than this share of the synced files would be deleted. */
  massDeleteRatio: number;
  /**
   * Paths this device's ignore rules exclude: out of scope for the plan. Their base entry
   * stays, so nothing at such a path is deleted (remotely for a file that left the local
   * tree, locally for a remote change) or downloaded, and un-ignoring meets the base again as
   * a normal edit or conflict. See docs/engine.md "Ignore rules".
   */
  ignored?: (path: string) => boolean;
  /**
   * The excluded folder (selective sync) that holds a path, or null: such a path is planned
   * by `planExcluded`, never downloaded, never deleted on the server (docs/engine.md
   * "Selective sync").
   */
  excluded?: (path: string) => string | null;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = { deletesConfirmed: false, massDeleteCount: 100, massDeleteRatio: 0.5 };

export interface Plan {
  ops: Op[];
  /** Local deletions held back by the mass-delete guard (sorted), empty when none. */
  heldDeletes: string[];
  /** Deletions from the server held back from this disk by the same guard (sorted). */
  heldRemoteDeletes: string[];
  /** Files that changed while being hashed: retried later, never published half-read. */
  waiting: string[];
}

/** Order in which the executor runs op kinds: renames before downloads (their bytes are sources), deletes last. */
const ORDER: Record<Op['kind'], number> = {
  forget: 0,
  adopt: 1,
  move_local: 2,
  upload_aside: 2,
  upload_move: 3,
  conflict: 4,
  download: 5,
  download_aside: 5,
  restore: 6,
  upload: 7,
  delete_remote: 8,
  delete_local: 9,
  unsync: 9,
  unsync_aside: 9,
};

export function plan(base: BaseTree, local: LocalTree, remote: RemoteTree, options: PlanOptions = DEFAULT_PLAN_OPTIONS): Plan {
  const ops: Op[] = [];
  const waiting: string[] = [];
  const paths = new Set<string>(remote.keys());
  // An unchanged file needs no decision, unless it is in an excluded folder: it has to leave.
  for (const [path, entry] of local) if (entry.contentHash !== base.get(path)?.contentHash || options.excluded?.(path)) paths.add(path);
  for (const path of base.keys()) if (!local.has(path)) paths.add(path);

  for (const path of [...paths].sort()) {
    if (options.ignored?.(path)) continue;
    const folder = options.excluded?.(path) ?? null;
    const op = folder === null ? planPath(path, base.get(path), local.get(path), remote.get(path)) : planExcluded(path, folder, base.get(path), local.get(path), remote.get(path));
    if (op === 'waiting') waiting.push(path);
    else if (op) ops.push(op);
  }
  const paired = settleTypeClashes(pairMoves(ops, base, remote), base, local, remote);
  const guarded = holdMassDeletes(paired, 'delete_remote', base.size, options.deletesConfirmed, options);
  const guardedHere = holdMassDeletes(guarded.ops, 'delete_local', local.size, options.remoteDeletesConfirmed === true, options);
  guardedHere.ops.sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ops: guardedHere.ops, heldDeletes: guarded.held, heldRemoteDeletes: guardedHere.held, waiting };
}

/** The decision for one path; see DESIGN.md "Engine" for the rules. */
export function planPath(path: string, b: BaseEntry | undefined, l: LocalEntry | undefined, r: JournalEntry | undefined): Op | 'waiting' | null {
  if (l && l.contentHash === null) return 'waiting';
  const baseHash = b?.contentHash ?? null;
  const localHash = l?.contentHash ?? null;
  const remoteLive = r ? (r.deleted ? null : r) : null;
  const remoteHash = r ? (remoteLive?.contentHash ?? null) : baseHash;
  const localChanged = localHash !== baseHash;
  const remoteChanged = remoteHash !== baseHash;

  if (!localChanged && !remoteChanged) {
    if (!r) return null;
    // The journal moved on without changing content (a touch elsewhere, our own commit
    // echoed back): take its revision as the base.
    if (remoteLive && l) return { kind: 'adopt', path, entry: remoteLive, local: l };
    return { kind: 'forget', path };
  }
  if (localChanged && !remoteChanged) {
    if (l) {
      // A crash can leave a file cut to zero bytes with its old mtime; that is damage, not an
      // edit, so the journal's version comes back instead of an empty one going out.
      if (b && l.size === 0 && b.size > 0 && l.mtime === b.mtime) return { kind: 'restore', path, base: b, reason: 'truncated to 0 bytes' };
      return { kind: 'upload', path, parentRev: remoteLive ? remoteLive.rev : r ? null : (b?.rev ?? null), local: l };
    }
    const parentRev = remoteLive ? remoteLive.rev : b!.rev;
    return { kind: 'delete_remote', path, parentRev };
  }
  if (!localChanged && remoteChanged) {
    if (!remoteLive) return b && l ? { kind: 'delete_local', path, entry: r!, expect: b } : { kind: 'forget', path };
    return { kind: 'download', path, entry: remoteLive, expect: b ?? null };
  }
  // Both changed since the base.
  if (localHash === remoteHash) return remoteLive && l ? { kind: 'adopt', path, entry: remoteLive, local: l } : { kind: 'forget', path };
  if (l && remoteLive) return { kind: 'conflict', path, entry: remoteLive, local: l };
  // Edit against delete: the edit survives on both sides.
  if (l) return { kind: 'upload', path, parentRev: null, local: l };
  return { kind: 'download', path, entry: remoteLive!, expect: null };
}

/**
 * The decision for a path inside an excluded folder. A file leaves this disk only when the
 * server holds its bytes: it equals the server's live entry, or the base (a revision the
 * server keeps). A synced file edited here goes up first by the usual rules, and leaves on a
 * later round; a file this device never synced is not merged into the server's folder but
 * goes aside. Nothing is downloaded, and a file already gone here is no deletion.
 */
export function planExcluded(path: string, folder: string, b: BaseEntry | undefined, l: LocalEntry | undefined, r: JournalEntry | undefined): Op | 'waiting' | null {
  if (!l) return b ? { kind: 'unsync', path, expect: b, local: null } : null;
  if (l.contentHash === null) return 'waiting';
  const live = r ? (r.deleted ? null : r) : b;
  if (l.contentHash === live?.contentHash || l.contentHash === b?.contentHash) return { kind: 'unsync', path, expect: b ?? null, local: l };
  if (b) return planPath(path, b, l, r);
  return { kind: 'unsync_aside', path, folder, local: l };
}

/**
 * Turns delete+add pairs with the same content into moves. Local: a synced file vanished
 * and a new one with its hash appeared → upload_move. Remote: the journal deleted a path we
 * hold unchanged and created the same file id (or content) elsewhere → move_local.
 */
function pairMoves(ops: Op[], base: BaseTree, remote: RemoteTree): Op[] {
  const result = new Set(ops);
  const uploadsByHash = new Map<string, Extract<Op, { kind: 'upload' }>[]>();
  for (const op of ops) {
    if (op.kind === 'upload' && op.parentRev === null && op.local.size > 0 && !base.has(op.path)) {
      const list = uploadsByHash.get(op.local.contentHash!) ?? [];
      list.push(op);
      uploadsByHash.set(op.local.contentHash!, list);
    }
  }
  const downloadsByFileId = new Map<string, Extract<Op, { kind: 'download' }>>();
  const downloadsByHash = new Map<string, Extract<Op, { kind: 'download' }>[]>();
  for (const op of ops) {
    if (op.kind === 'download' && op.expect === null) {
      downloadsByFileId.set(op.entry.fileId, op);
      const list = downloadsByHash.get(op.entry.contentHash!) ?? [];
      list.push(op);
      downloadsByHash.set(op.entry.contentHash!, list);
    }
  }
  for (const op of ops) {
    if (op.kind === 'delete_remote') {
      const b = base.get(op.path)!;
      if (b.size === 0 || remote.has(op.path)) continue;
      const target = uploadsByHash.get(b.contentHash)?.shift();
      if (!target) continue;
      result.delete(op);
      result.delete(target);
      result.add({ kind: 'upload_move', from: op.path, fromRev: b.rev, path: target.path, parentRev: null, local: target.local });
    } else if (op.kind === 'delete_local') {
      const b = op.expect;
      let target = downloadsByFileId.get(b.fileId);
      if (!target || target.entry.contentHash !== b.contentHash || !result.has(target)) {
        target = downloadsByHash.get(b.contentHash)?.find((d) => result.has(d));
      }
      if (!target || b.size === 0) continue;
      result.delete(op);
      result.delete(target);
      result.add({ kind: 'move_local', from: op.path, path: target.path, entry: target.entry, expect: b });
    }
  }
  return [...result];
}

/**
 * A name that would be a file on one side and a folder on the other (a file edited on one
 * device while another turned it into a folder): the folder keeps the name and the file
 * goes beside it as a conflict copy, whichever side holds which. The same rule on every
 * device, so both converge (docs/engine.md "Type changes").
 */
function settleTypeClashes(ops: Op[], base: BaseTree, local: LocalTree, remote: RemoteTree): Op[] {
  // What each side will hold once this plan's deletions and moves are done.
  const leavingLocal = new Set<string>();
  const leavingRemote = new Set<string>();
  for (const op of ops) {
    if (op.kind === 'delete_local') leavingLocal.add(op.path);
    else if (op.kind === 'move_local') leavingLocal.add(op.from);
    else if (op.kind === 'delete_remote') leavingRemote.add(op.path);
    else if (op.kind === 'upload_move') leavingRemote.add(op.from);
  }
  const localDirs = folders([...local.keys()].filter((path) => !leavingLocal.has(path)));
  const remoteFiles: string[] = [];
  for (const [path, entry] of remote) if (!entry.deleted) remoteFiles.push(path);
  for (const path of base.keys()) if (!remote.has(path)) remoteFiles.push(path);
  const remoteDirs = folders(remoteFiles.filter((path) => !leavingRemote.has(path)));
  if (localDirs.size === 0 && remoteDirs.size === 0) return ops;
  return ops.flatMap((op): Op[] => {
    if (op.kind === 'download' && localDirs.has(op.path)) return [{ kind: 'download_aside', path: op.path, entry: op.entry }];
    if (op.kind === 'upload' && remoteDirs.has(op.path)) return [{ kind: 'upload_aside', path: op.path, parentRev: op.parentRev, local: op.local }];
    // A file the server moved onto a name that is a local folder: it lands beside the folder,
    // and its old name goes as the move would have taken it.
    if (op.kind === 'move_local' && localDirs.has(op.path)) {
      const aside: Op = { kind: 'download_aside', path: op.path, entry: op.entry };
      const gone = remote.get(op.from);
      return gone?.deleted ? [aside, { kind: 'delete_local', path: op.from, entry: gone, expect: op.expect }] : [aside];
    }
    // A file moved onto a name that is a folder on the server: it goes aside as a new file,
    // and its old name is deleted as the move would have done.
    if (op.kind === 'upload_move' && remoteDirs.has(op.path)) {
      return [
        { kind: 'upload_aside', path: op.path, parentRev: null, local: op.local },
        { kind: 'delete_remote', path: op.from, parentRev: op.fromRev },
      ];
    }
    return [op];
  });
}

/** Every folder that holds one of `paths`, at any depth. */
function folders(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const path of paths) {
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const dir = path.slice(0, slash);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  return dirs;
}

/**
 * The mass-delete guard, both ways: many deletions at once, to send to the server
 * (`delete_remote`, out of the synced files) or to apply to this disk (`delete_local`, out of
 * the local files), wait for a person to confirm.
 */
function holdMassDeletes(ops: Op[], kind: 'delete_remote' | 'delete_local', total: number, confirmed: boolean, options: PlanOptions): { ops: Op[]; held: string[] } {
  const deletes = ops.filter((op) => op.kind === kind);
  if (confirmed || !isMassDelete(deletes.length, total, options)) return { ops, held: [] };
  return { ops: ops.filter((op) => op.kind !== kind), held: deletes.map((op) => op.path).sort() };
}

/** True when deleting `count` of `total` synced files needs confirmation. */
export function isMassDelete(count: number, total: number, options: Pick<PlanOptions, 'massDeleteCount' | 'massDeleteRatio'>): boolean {
  return count > options.massDeleteCount && count > total * options.massDeleteRatio;
}
