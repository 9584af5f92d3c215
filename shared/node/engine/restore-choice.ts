// Which version a restore (`hsync restore`, the status window) brings back, decided without
// I/O from what the local trash and the server's journal hold (docs/engine.md "Restore"):
// - a file, no flags: the newest copy in the local trash, else the newest server revision
//   that is not a deletion;
// - --rev R: that server revision; --at T: the newest revision committed at or before T,
//   or, when the server cannot be asked, the trash copy this disk held at T (keptAt);
// - a folder: the same per file under it; without --at only files that are gone (deleted on
//   the server, or missing here), with --at every file whose version at T is not the one there.
// A restore never deletes: a file with no version at T (created later, or deleted then) stays.

import type { JournalEntry } from '../../common/protocol.js';
import type { TrashEntry } from './local-trash.js';
import type { Version } from './restore-write.js';

export interface Pick {
  /** The sync path the version belongs to. */
  path: string;
  version: Version;
  /** The server's live entry at the path, or null when it is deleted or never was. */
  live: JournalEntry | null;
}

export interface Wanted {
  rev?: number;
  at?: number;
}

/** Why nothing can be restored, for the user. */
export class NothingToRestore extends Error {
  override readonly name = 'NothingToRestore';
}

/**
 * Whether a folder restore leaves `path` alone: without --at only what is gone comes back,
 * so any file there counts; with --at, a file holding the version's bytes.
 */
export function inPlace(wanted: Wanted, localHash: string | null | undefined, versionHash: string | null): boolean {
  if (localHash === undefined) return false; // nothing there
  return wanted.at === undefined || (localHash !== null && localHash === versionHash);
}

/** The newest trash copy of `path`, or null. */
export function newestInTrash(trash: readonly TrashEntry[], path: string): TrashEntry | null {
  let best: TrashEntry | null = null;
  for (const entry of trash) if (entry.path === path && (!best || entry.trashedAt > best.trashedAt)) best = entry;
  return best;
}

/**
 * The trash copy of `path` that this disk held at `at` (its own clock), or null: the first
 * one removed after `at`. What the trash cannot tell (a version the server replaced and the
 * engine did not keep, being safe on the server) only the server's revisions can.
 */
export function keptAt(trash: readonly TrashEntry[], path: string, at: number): TrashEntry | null {
  let best: TrashEntry | null = null;
  for (const entry of trash) if (entry.path === path && entry.trashedAt > at && (!best || entry.trashedAt < best.trashedAt)) best = entry;
  return best;
}

/** The live entry among a path's revisions (the newest, when it is not a deletion). */
export function liveOf(revisions: readonly JournalEntry[]): JournalEntry | null {
  const newest = newestOf(revisions);
  return newest && !newest.deleted ? newest : null;
}

function newestOf(revisions: readonly JournalEntry[]): JournalEntry | null {
  let best: JournalEntry | null = null;
  for (const r of revisions) if (!best || r.rev > best.rev) best = r;
  return best;
}

/** The server revision of one file that `wanted` names. Throws NothingToRestore. */
export function pickRevision(path: string, revisions: readonly JournalEntry[], wanted: Wanted): JournalEntry {
  if (wanted.rev !== undefined) {
    const entry = revisions.find((r) => r.rev === wanted.rev);
    if (!entry) throw new NothingToRestore(`${path}: the server has no revision ${wanted.rev} of it (see hsync history)`);
    if (entry.deleted) throw new NothingToRestore(`${path}: revision ${wanted.rev} is a deletion; pick an earlier one (see hsync history)`);
    return entry;
  }
  if (wanted.at !== undefined) {
    const at = wanted.at;
    const entry = newestOf(revisions.filter((r) => r.committedAt <= at));
    if (!entry) throw new NothingToRestore(`${path}: it did not exist at ${new Date(at).toISOString()}`);
    if (entry.deleted) throw new NothingToRestore(`${path}: it was deleted at ${new Date(at).toISOString()}`);
    return entry;
  }
  const entry = newestOf(revisions.filter((r) => !r.deleted));
  if (!entry) throw new NothingToRestore(`${path}: nothing to restore, neither in the local trash nor on the server`);
  return entry;
}

/**
 * Per file under `folder` (a sync path), the version to bring back. `journal` is every server
 * entry under the folder (null: the server could not be asked; the trash alone then answers).
 * The caller leaves out files already in place (inPlace).
 */
export function pickFolder(folder: string, trash: readonly TrashEntry[], journal: readonly JournalEntry[] | null, wanted: Wanted): Pick[] {
  const prefix = `${folder}/`;
  const byPath = new Map<string, JournalEntry[]>();
  for (const entry of journal ?? []) {
    if (!entry.path.startsWith(prefix)) continue;
    const list = byPath.get(entry.path) ?? [];
    list.push(entry);
    byPath.set(entry.path, list);
  }
  const picks: Pick[] = [];
  // With --at the server's journal says what each file was at T; without it, the trash.
  const fromTrash = wanted.at === undefined || journal === null;
  const paths = new Set([...byPath.keys(), ...(fromTrash ? trash.filter((e) => e.path.startsWith(prefix)).map((e) => e.path) : [])]);
  for (const path of [...paths].sort()) {
    const revisions = byPath.get(path) ?? [];
    const live = liveOf(revisions);
    let version: Version | null = null;
    if (wanted.at !== undefined && journal === null) {
      const kept = keptAt(trash, path, wanted.at);
      if (kept) version = { kind: 'trash', entry: kept };
    } else if (wanted.at !== undefined) {
      const entry = newestOf(revisions.filter((r) => r.committedAt <= wanted.at!));
      if (entry && !entry.deleted) version = { kind: 'server', entry };
    } else {
      const kept = newestInTrash(trash, path);
      if (kept) version = { kind: 'trash', entry: kept };
      else if (revisions.length > 0) {
        const entry = newestOf(revisions.filter((r) => !r.deleted));
        if (entry) version = { kind: 'server', entry };
      }
    }
    if (version) picks.push({ path, version, live });
  }
  return picks;
}
