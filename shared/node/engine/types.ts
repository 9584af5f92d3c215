// The engine's three trees and the operations the planner emits. Remote = the server
// journal (only entries not yet reflected in the base are kept), local = the disk as last
// scanned, base = the last state both sides agreed on (the merge base, in the index).

import { BLOCK_SIZE, type BlockHash, type BlockRef, type ContentHash } from '../../common/blocks.js';
import type { JournalEntry } from '../../common/protocol.js';

/** One synced file: the server revision it matches and the local stat it had then. */
export interface BaseEntry {
  path: string;
  rev: number;
  fileId: string;
  contentHash: ContentHash;
  size: number;
  /** Local mtime (ms) and inode when the file was last known to match `rev`. */
  mtime: number;
  ino: number;
  /** Server-side mtime of the revision, kept so a restore can set it again. */
  remoteMtime: number;
}

/** One file on disk as the last scan saw it. `contentHash` is null while it keeps changing. */
export interface LocalEntry {
  path: string;
  size: number;
  mtime: number;
  ino: number;
  contentHash: ContentHash | null;
  /** Present when the file was hashed in this run (needed to upload it). */
  blocks?: BlockRef[];
  /**
   * Set by the scanner: the ignore-rules generation under which it last accepted this path.
   * A later scan that finds the file unchanged under the same rules skips the path checks.
   */
  checked?: number;
}

export type BaseTree = ReadonlyMap<string, BaseEntry>;
export type LocalTree = ReadonlyMap<string, LocalEntry>;
/** Journal entries newer than the base, latest per path. */
export type RemoteTree = ReadonlyMap<string, JournalEntry>;

/**
 * What the executor does. Each op names the state it assumed; the executor re-checks the
 * disk right before acting and gives up (the next cycle replans) when it moved.
 */
export type Op =
  /** Local new/edited file → server. parentRev null: the path is new or deleted there. */
  | { kind: 'upload'; path: string; parentRev: number | null; local: LocalEntry }
  /** Local rename of an unchanged file → server move, no block sent. */
  | { kind: 'upload_move'; from: string; fromRev: number; path: string; parentRev: number | null; local: LocalEntry }
  /** Local deletion → server. */
  | { kind: 'delete_remote'; path: string; parentRev: number }
  /** Remote new/edited file → disk. `expect` is the base the local file must still match (null: absent). */
  | { kind: 'download'; path: string; entry: JournalEntry; expect: BaseEntry | null }
  /** Remote rename of a file we hold unchanged → local rename, no download. */
  | { kind: 'move_local'; from: string; path: string; entry: JournalEntry; expect: BaseEntry }
  /** Remote deletion → disk, only if the local file still matches the base. */
  | { kind: 'delete_local'; path: string; entry: JournalEntry; expect: BaseEntry }
  /** Both sides changed: the local file becomes a conflict copy, the remote takes the name. */
  | { kind: 'conflict'; path: string; entry: JournalEntry; local: LocalEntry }
  /**
   * A remote file whose name a local folder holds: the folder keeps the name, the remote
   * bytes land beside it as a conflict copy that goes up, and the server's file at the
   * folder's name is deleted (docs/engine.md "Type changes").
   */
  | { kind: 'download_aside'; path: string; entry: JournalEntry; /** 'case': a "(Case Conflict)" copy (docs/engine.md "Names"). */ naming?: 'case' }
  /**
   * A local file whose name a remote folder holds: the local file becomes a conflict copy
   * and goes up, the folder takes the name. `parentRev`: the server's file at the name, to
   * delete, when it still lists one.
   */
  | { kind: 'upload_aside'; path: string; parentRev: number | null; local: LocalEntry }
  /** Both sides agree already (same content): record it as the base, move no bytes. */
  | { kind: 'adopt'; path: string; entry: JournalEntry; local: LocalEntry }
  /** Both sides lack the path: drop base and remote records. */
  | { kind: 'forget'; path: string }
  /**
   * A file inside an excluded folder that the server holds (the base version, or the
   * server's live one) leaves this disk through the local trash; its base becomes a remote
   * entry, so taking the folder back downloads it. `local` null: it is already gone here
   * (docs/engine.md "Selective sync").
   */
  | { kind: 'unsync'; path: string; expect: BaseEntry | null; local: LocalEntry | null }
  /**
   * A file made here inside an excluded folder: not merged into the server's folder, it
   * moves to `<folder> (selective sync conflict)/…` and is uploaded from there.
   */
  | { kind: 'unsync_aside'; path: string; folder: string; local: LocalEntry }
  /** Bring back the base version from the server (a held delete cancelled, a crash-truncated file). */
  | { kind: 'restore'; path: string; base: BaseEntry; reason: string };

export type OpKind = Op['kind'];

/** Block list of an entry, with offsets, for reading or writing a file. */
export function blockRefs(blocks: readonly BlockHash[], size: number): BlockRef[] {
  const refs: BlockRef[] = [];
  let offset = 0;
  for (const hash of blocks) {
    const length = Math.min(BLOCK_SIZE, size - offset);
    refs.push({ offset, size: length, hash });
    offset += length;
  }
  return refs;
}
