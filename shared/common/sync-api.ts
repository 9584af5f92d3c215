// The one contract between the sync engine and every UI: Electron's preload/IPC, the
// headless daemon's HTTP bridge, the CLI's control client and the renderer all derive
// from SyncApi and SYNC_API_METHODS. Errors cross as data: { ok:false, error:{code,message} }.

import type { ErrorCode, ErrorData } from './errors.js';
import type { EventPage } from './folder-events.js';

export type FolderState = 'idle' | 'scanning' | 'syncing' | 'paused' | 'offline' | 'error';

export interface Pending {
  files: number;
  bytes: number;
}

export interface ActivityItem {
  path: string;
  direction: 'up' | 'down';
  action: 'added' | 'modified' | 'deleted' | 'moved' | 'conflict';
  bytes: number;
  at: number; // ms since epoch
}

/** A file that cannot sync right now, and why (shown per file, the rest keeps syncing). */
export interface FileProblem {
  path: string;
  code: ErrorCode;
  message: string;
  since: number;
}

/** Where blocks are going: the in-house store, S3 by placement, or S3 as a fallback. */
export interface StorageState {
  mode: 'inhouse' | 's3' | 'fallback';
  detail: string; // e.g. "degraded: using S3 fallback"
  tiers: { inhouse: { blocks: number; bytes: number }; s3: { blocks: number; bytes: number } } | null;
}

/** A conflicted copy beside the file it conflicted with, as this device last synced both. */
export interface ConflictCopy {
  /** The copy: `report (laptop's conflicted copy 2026-12-04).docx`. */
  path: string;
  /** The file it is a copy of: `report.docx`. */
  original: string;
  /** The device whose version the copy holds. */
  device: string;
  copy: { size: number; mtime: number };
  /** The version at the original name, or null when there is none any more. */
  current: { size: number; mtime: number } | null;
}

/** A path the ignore rules keep out of sync on this device (docs/engine.md "Ignore rules"). */
export interface IgnoredPath {
  path: string;
  /** A folder: everything under it is ignored too, and not listed one by one. */
  dir: boolean;
  /** 'default': the built-in rules (OS and editor files); 'user': the folder's .hsyncignore. */
  by: 'default' | 'user';
}

export interface IgnoredList {
  /** Sorted, folders once. */
  paths: IgnoredPath[];
  /** More paths are ignored than were listed. */
  truncated: boolean;
}

/**
 * A folder of the server's tree as this device last pulled it, for the selective-sync tree
 * (docs/engine.md "Selective sync"). Listed one level at a time.
 */
export interface ServerFolder {
  /** Relative to the synced folder, '/'-separated: `Photos/2019`. */
  path: string;
  /** The last name of the path: `2019`. */
  name: string;
  /** This device does not sync it: it is one of the excluded folders, or inside one. */
  excluded: boolean;
  /** It holds folders of its own (list them with its path as the parent). */
  hasFolders: boolean;
}

/** One revision the server keeps of a file (`hsync history --json` prints the same fields). */
export interface FileRevision {
  rev: number;
  /** When the server committed it, ms since the epoch (the server's clock). */
  time: number;
  /** The device that committed it. */
  device: string;
  size: number;
  /** The revision is the file's deletion. */
  deleted: boolean;
}

/**
 * What to bring back (docs/engine.md "Restore"): a file or folder path, relative to the synced
 * folder; no rev or at: the newest copy in the local trash, else the newest server revision
 * that is not a deletion; `rev`: that server revision; `at` (ms since the epoch): each file's
 * version at that time, which for a folder restores every file under it.
 */
export interface RestoreRequest {
  path: string;
  rev?: number;
  at?: number;
}

/** How a conflict is resolved: keep the original (the copy goes), the copy (it takes the name), or both. */
export type ConflictKeep = 'original' | 'copy' | 'both';
export const CONFLICT_KEEPS: readonly ConflictKeep[] = ['original', 'copy', 'both'];

/** A scan that would delete many files waits here for confirmDeletes/cancelDeletes. */
export interface PendingDeletes {
  count: number;
  total: number;
  sample: string[];
  /**
   * 'local' (or absent): files removed here, to be deleted on all devices; 'remote': files
   * deleted on the server (another device), to be removed from this disk.
   */
  side?: 'local' | 'remote';
}

export interface SyncStatus {
  state: FolderState;
  /** What a person reads: "Up to date", "Syncing 12 files, 48 MB left", "Paused", "Error: …". */
  summary: string;
  folder: string;
  device: string;
  serverUrl: string;
  error: ErrorData | null;
  pending: { up: Pending; down: Pending };
  rates: { upBytesPerSec: number; downBytesPerSec: number };
  totals: { sentBytes: number; receivedBytes: number };
  recent: ActivityItem[]; // newest first, bounded
  problems: FileProblem[];
  warnings: string[]; // e.g. watcher limit reached, falling back to periodic scans
  storage: StorageState;
  pendingDeletes: PendingDeletes | null;
  lastSyncedAt: number | null;
  /** The newest folder event this status includes: eventsSince(seq) answers what came after. */
  seq: number;
  /** The folders this device does not sync (selective sync), sorted. */
  excludedFolders: string[];
  /** Folders inside excluded ones that this device syncs all the same, sorted. */
  includedFolders: string[];
}

/** Settings a UI may read and change. The token is write-only: reads report only whether one is set. */
export interface Settings {
  folder: string;
  serverUrl: string;
  deviceName: string;
  startAtLogin: boolean;
  paused: boolean;
  hasToken: boolean;
  /** Upload cap in KB/s (1 KB = 1000 bytes); 0 = no cap. Applies within a second, while syncing. */
  upLimitKBps: number;
  /** Download cap in KB/s; 0 = no cap. */
  downLimitKBps: number;
  /** Look for changes by polling (network and FUSE folders send no events); applies at once. */
  pollForChanges: boolean;
  /** While polling, how often each path is checked, in ms; applies at once. */
  pollIntervalMs: number;
}

export interface SettingsPatch {
  folder?: string;
  serverUrl?: string;
  token?: string;
  deviceName?: string;
  startAtLogin?: boolean;
  upLimitKBps?: number;
  downLimitKBps?: number;
  pollForChanges?: boolean;
  pollIntervalMs?: number;
}

export interface SyncApi {
  getStatus(): Promise<SyncStatus>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Rescan and sync now, without waiting for the watcher or the periodic scan. */
  syncNow(): Promise<void>;
  /** Propagate the deletions a mass-delete guard is holding back. */
  confirmDeletes(): Promise<void>;
  /** Restore the held-back deleted files from the server instead. */
  cancelDeletes(): Promise<void>;
  getSettings(): Promise<Settings>;
  updateSettings(patch: SettingsPatch): Promise<Settings>;
  /** The conflicted copies in the folder, newest first. */
  listConflicts(): Promise<ConflictCopy[]>;
  /** Resolves one conflict (the copy's path); refused when either file has unsynced changes. */
  resolveConflict(path: string, keep: ConflictKeep): Promise<void>;
  /** The paths in the folder that the ignore rules keep out of sync. */
  listIgnored(): Promise<IgnoredList>;
  /** The folder's events after sequence number `since` (docs/engine.md "Folder state and events"). */
  eventsSince(since: number): Promise<EventPage>;
  /** The server's folders directly inside `parent` ('' for the top level), sorted by name. */
  listServerFolders(parent: string): Promise<ServerFolder[]>;
  /** The folders this device does not sync (selective sync), sorted. */
  getExcludedFolders(): Promise<string[]>;
  /**
   * Replaces the excluded folders (paths relative to the synced folder) and, when given, the
   * folders inside them that sync all the same (`included`: the parent stays excluded but
   * for those; left out, those kept so far stay); returns the excluded list as kept
   * (cleaned, a folder inside another dropped). Refused, and nothing changed, when a path
   * is not a valid folder path or is both excluded and included.
   */
  setExcludedFolders(paths: string[], included?: string[]): Promise<string[]>;
  /** The revisions the server keeps of a file, newest first, deletions included. */
  listRevisions(path: string): Promise<FileRevision[]>;
  /**
   * Writes the version asked for into the folder and, for a server revision, commits it as a
   * new revision; returns what was done, a line per file. Refused with 'not_found' when there
   * is no such version.
   */
  restoreVersion(request: RestoreRequest): Promise<string[]>;
}

export type SyncApiMethod = keyof SyncApi;

/** Result envelope for every call that crosses a process boundary. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

/**
 * Every method with a validator for its arguments as received from the other side.
 * The `satisfies` makes a method missing here a compile error. A validator returns a
 * reason string for bad input, or null.
 */
export const SYNC_API_METHODS = {
  getStatus: { validate: noArgs },
  pause: { validate: noArgs },
  resume: { validate: noArgs },
  syncNow: { validate: noArgs },
  confirmDeletes: { validate: noArgs },
  cancelDeletes: { validate: noArgs },
  getSettings: { validate: noArgs },
  updateSettings: { validate: validateSettingsPatch },
  listConflicts: { validate: noArgs },
  resolveConflict: { validate: validateResolve },
  listIgnored: { validate: noArgs },
  eventsSince: { validate: validateSince },
  listServerFolders: { validate: validateParent },
  getExcludedFolders: { validate: noArgs },
  setExcludedFolders: { validate: validateFolderList },
  listRevisions: { validate: validatePath },
  restoreVersion: { validate: validateRestore },
} satisfies Record<SyncApiMethod, { validate: (args: unknown[]) => string | null }>;

export function isSyncApiMethod(name: unknown): name is SyncApiMethod {
  return typeof name === 'string' && Object.hasOwn(SYNC_API_METHODS, name);
}

function validateResolve(args: unknown[]): string | null {
  if (args.length !== 2) return 'takes a path and what to keep';
  const [path, keep] = args;
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096) return 'path must be a non-empty string';
  if (!CONFLICT_KEEPS.includes(keep as ConflictKeep)) return `keep must be one of ${CONFLICT_KEEPS.join(', ')}`;
  return null;
}

function validateSince(args: unknown[]): string | null {
  if (args.length !== 1) return 'takes one sequence number';
  const [since] = args;
  return Number.isSafeInteger(since) && (since as number) >= 0 ? null : 'the sequence number must be a whole number, 0 or more';
}

function validatePath(args: unknown[]): string | null {
  if (args.length !== 1) return 'takes one path';
  const [path] = args;
  return typeof path === 'string' && path.length > 0 && path.length <= 4096 ? null : 'path must be a non-empty string';
}

function validateRestore(args: unknown[]): string | null {
  if (args.length !== 1) return 'takes one restore request';
  const request = args[0] as Record<string, unknown> | null;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 'the request must be an object';
  const unknownKey = Object.keys(request).find((k) => !['path', 'rev', 'at'].includes(k));
  if (unknownKey) return `unknown request field "${unknownKey}"`;
  if (validatePath([request.path])) return 'path must be a non-empty string';
  if (request.rev !== undefined && !(Number.isSafeInteger(request.rev) && (request.rev as number) > 0)) return 'rev must be a revision number';
  if (request.at !== undefined && !(Number.isSafeInteger(request.at) && (request.at as number) >= 0)) return 'at must be a time in ms since the epoch';
  if (request.rev !== undefined && request.at !== undefined) return 'give rev or at, not both';
  return null;
}

function validateParent(args: unknown[]): string | null {
  if (args.length !== 1) return 'takes one folder path';
  const [parent] = args;
  return typeof parent === 'string' && parent.length <= 4096 ? null : 'parent must be a folder path (\'\' for the top level)';
}

/** At most this many folders may be excluded (a list is sent whole, and checked per path). */
export const MAX_EXCLUDED_FOLDERS = 10_000;

function validateFolderList(args: unknown[]): string | null {
  if (args.length !== 1 && args.length !== 2) return 'takes a list of excluded folder paths and, optionally, one of folders inside them to include';
  for (const paths of args) {
    if (!Array.isArray(paths) || paths.length > MAX_EXCLUDED_FOLDERS) return `paths must be a list of at most ${MAX_EXCLUDED_FOLDERS} folder paths`;
    if (!paths.every((p) => typeof p === 'string' && p.length > 0 && p.length <= 4096)) return 'each path must be a non-empty string';
  }
  return null;
}

function noArgs(args: unknown[]): string | null {
  return args.length === 0 ? null : 'takes no arguments';
}

/** The highest cap a UI may set, in KB/s (10 GB/s): above it there is nothing to cap. */
export const MAX_LIMIT_KBPS = 10_000_000;

/**
 * How often a polled folder's paths are checked (docs/engine.md "Watching"). Each check is a
 * stat per path, so the cost grows with the files and with the rate: 2 s sees a change on a
 * network folder soon enough at half the CPU of 1 s.
 */
export const DEFAULT_POLL_INTERVAL_MS = 2000;
export const MIN_POLL_INTERVAL_MS = 100;
export const MAX_POLL_INTERVAL_MS = 600_000;

/** Why `ms` is not a polling interval, or null when it is one. */
export function pollIntervalProblem(ms: unknown): string | null {
  return Number.isInteger(ms) && (ms as number) >= MIN_POLL_INTERVAL_MS && (ms as number) <= MAX_POLL_INTERVAL_MS
    ? null
    : `the polling interval must be a whole number of ms from ${MIN_POLL_INTERVAL_MS} to ${MAX_POLL_INTERVAL_MS}`;
}

const PATCH_FIELDS: Record<keyof SettingsPatch, 'string' | 'boolean' | 'number'> = {
  folder: 'string',
  serverUrl: 'string',
  token: 'string',
  deviceName: 'string',
  startAtLogin: 'boolean',
  upLimitKBps: 'number',
  downLimitKBps: 'number',
  pollForChanges: 'boolean',
  pollIntervalMs: 'number',
};

function validateSettingsPatch(args: unknown[]): string | null {
  if (args.length !== 1) return 'takes one settings object';
  const patch = args[0];
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return 'settings must be an object';
  for (const [key, value] of Object.entries(patch)) {
    const type = PATCH_FIELDS[key as keyof SettingsPatch];
    if (!type) return `unknown setting "${key}"`;
    if (typeof value !== type) return `setting "${key}" must be a ${type}`;
    if (type === 'string' && (value as string).length > 4096) return `setting "${key}" is too long`;
    if (key === 'pollIntervalMs') {
      const problem = pollIntervalProblem(value);
      if (problem) return `setting "pollIntervalMs": ${problem}`;
      continue;
    }
    if (type === 'number' && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_LIMIT_KBPS)) {
      return `setting "${key}" must be a whole number of KB/s from 0 (no limit) to ${MAX_LIMIT_KBPS}`;
    }
  }
  const url = (patch as SettingsPatch).serverUrl;
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) return 'serverUrl must be an http(s) URL';
  return null;
}
