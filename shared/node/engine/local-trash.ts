// The local trash: a file that a change from the server takes off this disk, in a version
// the server no longer holds as live, is moved (never copied) into `<root>/.hsync/trash/`,
// so `hsync restore` can bring it back, also offline (docs/engine.md "The local trash").
// Each entry is two files named by one id, `<trashedAt>-<size>-<8 hex>`: `.json` says where
// the file was and which version it is, `.data` holds the bytes. The id alone tells the
// sweep an entry's age and size, so a sweep reads one folder and no file.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isBlockHash } from '../../common/blocks.js';
import { SyncError } from '../../common/errors.js';
import { pathProblem } from '../../common/paths.js';
import type { FileSystem } from '../fs/file-system.js';
import type { EngineDisk } from './engine-disk.js';
import { reservedDir } from './folder-guard.js';

/** Entries older than this are swept. */
export const TRASH_MAX_AGE_MS = 30 * 24 * 3600_000;
/** The trash holds at most this share of its disk … */
export const TRASH_DISK_SHARE = 0.1;
/** … and never more than this many bytes, whichever is smaller. */
export const TRASH_MAX_BYTES = 5e9;

/** Why a file went to the trash ('excluded': its folder left this device, docs/engine.md "Selective sync"). */
export const TRASH_REASONS = ['deleted', 'overwritten', 'excluded'] as const;
export type TrashReason = (typeof TRASH_REASONS)[number];

export interface TrashEntry {
  id: string;
  /** The sync path the file had. */
  path: string;
  trashedAt: number;
  size: number;
  /** The version it held (the base's hash and revision), null when unknown. */
  contentHash: string | null;
  rev: number | null;
  reason: TrashReason;
}

const ID = /^(\d{1,16})-(\d{1,16})-[0-9a-f]{8}$/;

export function trashDir(root: string): string {
  return join(reservedDir(root), 'trash');
}

/** The size cap for a trash on a file system of `diskBytes`. */
export function trashCap(diskBytes: number): number {
  return Math.floor(Math.min(TRASH_MAX_BYTES, diskBytes * TRASH_DISK_SHARE));
}

/** trashCap of the root's disk. */
export function trashCapFor(fs: FileSystem, root: string): number {
  const space = fs.statfsSync(root);
  return trashCap(space.blocks * space.bsize);
}

/**
 * Moves the file at `abs` (sync path `path`, `size` bytes) into the trash. The note is
 * written first, so a crash leaves at worst a note without bytes, which the sweep drops.
 * A file on another file system than the root (a mount inside it) is not moved: that
 * throws, and the file stays where it is.
 */
export async function moveToTrash({ fs, folders }: EngineDisk, root: string, abs: string, entry: Omit<TrashEntry, 'id'>): Promise<TrashEntry> {
  const dir = trashDir(root);
  await folders.ensure(dir);
  const id = `${Math.max(0, Math.floor(entry.trashedAt))}-${entry.size}-${randomBytes(4).toString('hex')}`;
  const full: TrashEntry = { id, ...entry };
  const note = join(dir, `${id}.json`);
  // Synchronous: a note is ~200 bytes, and a thread-pool round trip per call cost more than
  // the writes (2,000 remote deletions took 3.0-4.2 s with async calls, 1.6-2.0 s so, as
  // with a plain unlink). A note cut short by a crash names no bytes yet (they move after
  // it) and is swept like any note without bytes.
  try {
    fs.writeFileSync(note, JSON.stringify(full), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    folders.forget(); // the trash folder was removed meanwhile
    await folders.ensure(dir);
    fs.writeFileSync(note, JSON.stringify(full), { flag: 'wx' });
  }
  try {
    fs.renameSync(abs, join(dir, `${id}.data`));
  } catch (error) {
    fs.rmSync(note, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EXDEV' ? `it is on another file system than ${dir}; kept in place` : (error as Error).message;
    throw new SyncError('io', `move "${entry.path}" to the trash: ${reason}`, { cause: error });
  }
  return full;
}

/** Every entry whose note and bytes are both there, newest first. Notes that fail a check are skipped. */
export async function listTrash(fs: FileSystem, root: string): Promise<TrashEntry[]> {
  const dir = trashDir(root);
  const names = new Set(await fs.readdir(dir).catch(() => [] as string[]));
  const out: TrashEntry[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const id = name.slice(0, -5);
    if (!ID.test(id) || !names.has(`${id}.data`)) continue;
    const entry = parseNote(id, await fs.readFile(join(dir, name)).then((bytes) => bytes.toString('utf8'), () => ''));
    if (entry) out.push(entry);
  }
  return out.sort((a, b) => b.trashedAt - a.trashedAt || (a.id < b.id ? 1 : -1));
}

/** The note, checked field by field: it names a file that may be written back into the root. */
function parseNote(id: string, text: string): TrashEntry | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  const [, at, size] = ID.exec(id)!;
  const { path, contentHash, rev, reason } = raw;
  if (typeof path !== 'string' || pathProblem(path) !== null) return null;
  if (contentHash !== null && !isBlockHash(contentHash)) return null;
  if (rev !== null && !(Number.isSafeInteger(rev) && (rev as number) > 0)) return null;
  if (!TRASH_REASONS.includes(reason as TrashReason)) return null;
  return { id, path, trashedAt: Number(at), size: Number(size), contentHash: contentHash as string | null, rev: rev as number | null, reason: reason as TrashReason };
}

/** Where an entry's bytes are. */
export function trashData(root: string, entry: TrashEntry): string {
  return join(trashDir(root), `${entry.id}.data`);
}

/** Moves an entry's bytes to `abs` (same file system) and drops its note. */
export async function takeFromTrash(fs: FileSystem, root: string, entry: TrashEntry, abs: string): Promise<void> {
  await fs.rename(trashData(root, entry), abs);
  await fs.unlink(join(trashDir(root), `${entry.id}.json`)).catch(() => undefined);
}

export interface SweepResult {
  removed: number;
  bytes: number;
}

/**
 * Removes entries older than TRASH_MAX_AGE_MS, then the oldest ones while the rest holds more
 * than `capBytes`. The newest entry is kept whatever its size, so the last file removed can
 * always come back until it ages out. Notes without bytes (a crash, a restore) go too.
 */
export async function sweepTrash(fs: FileSystem, root: string, now: number, capBytes: number): Promise<SweepResult> {
  const dir = trashDir(root);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  if (names.length === 0) return { removed: 0, bytes: 0 };
  const files = new Set(names);
  const entries: { id: string; at: number; size: number }[] = [];
  const result: SweepResult = { removed: 0, bytes: 0 };
  for (const name of names) {
    const dot = name.indexOf('.');
    const id = name.slice(0, dot);
    const match = ID.exec(id);
    if (!match || name.slice(dot) !== '.data') continue;
    if (!files.has(`${id}.json`)) continue; // a move in flight (note first) or half a restore: not ours to judge
    entries.push({ id, at: Number(match[1]), size: Number(match[2]) });
  }
  for (const name of names) {
    // A note whose bytes are gone, written more than a minute ago (not a move in flight).
    const id = name.slice(0, -5);
    const match = name.endsWith('.json') ? ID.exec(id) : null;
    if (match && !files.has(`${id}.data`) && now - Number(match[1]) > 60_000) await fs.unlink(join(dir, name)).catch(() => undefined);
  }
  entries.sort((a, b) => b.at - a.at);
  let kept = 0;
  for (const [i, entry] of entries.entries()) {
    const old = now - entry.at > TRASH_MAX_AGE_MS;
    const over = i > 0 && kept + entry.size > capBytes;
    if (!old && !over) {
      kept += entry.size;
      continue;
    }
    await fs.unlink(join(dir, `${entry.id}.data`)).catch(() => undefined);
    await fs.unlink(join(dir, `${entry.id}.json`)).catch(() => undefined);
    result.removed++;
    result.bytes += entry.size;
  }
  return result;
}
