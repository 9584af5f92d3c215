// Brings a file (or every file under a folder) back into a synced folder, from the local
// trash, which works offline, or from the server's revisions, and makes it the live version
// again (docs/engine.md "Restore"). The one implementation behind `hsync restore` and the
// status window's Restore button (SyncApi.restoreVersion).

import { join } from 'node:path';
import { SyncError } from '../../common/errors.js';
import { pathProblem } from '../../common/paths.js';
import type { JournalEntry } from '../../common/protocol.js';
import type { RestoreRequest } from '../../common/sync-api.js';
import type { RemoteStore } from '../remote/remote-store.js';
import { entryProblem } from '../remote/journal-check.js';
import type { FileSystem } from '../fs/file-system.js';
import { nodeFileSystem } from '../fs/node-file-system.js';
import { hashSnapshot } from './hash-snapshot.js';
import { existsOnDisk } from './local-files.js';
import { listTrash } from './local-trash.js';
import { pullPages } from './pull-pages.js';
import { inPlace, keptAt, liveOf, newestInTrash, NothingToRestore, pickFolder, pickRevision, type Pick as RestorePick, type Wanted } from './restore-choice.js';
import { placeVersion, type Version } from './restore-write.js';
import type { SyncEngine } from './engine.js';

export interface RestoreTarget {
  /** The sync path to bring back (a file or a folder). */
  path: string;
  /** Where to write it: `path` itself, or another sync path (--to). */
  to: string;
  wanted: Wanted;
}

export interface RestoreDeps {
  root: string;
  /** Names this device in conflicted copies and in the revision the restore commits. */
  device: string;
  /** The server, asked for only when the local trash does not answer; may throw. */
  server(): RemoteStore;
  /** One line of what was done, for the user. */
  say(line: string): void;
  /** One line about something that went wrong without stopping the restore. */
  warn(line: string): void;
  /** The disk the synced folder is on (the engine's FileSystem port); the real one if absent. */
  fs?: FileSystem;
}

/**
 * Restores `target`. Resolves with the number of files that could not be written (a folder
 * restore goes on past one); throws NothingToRestore when there is no such version, and the
 * server's error when it refused or could not be reached and the trash cannot answer.
 */
export async function restorePath(target: RestoreTarget, deps: RestoreDeps): Promise<number> {
  const { path, to, wanted } = target;
  const trash = await listTrash(deps.fs ?? nodeFileSystem, deps.root);
  const kept = wanted.rev === undefined && wanted.at === undefined ? newestInTrash(trash, path) : null;
  if (kept) {
    await restoreOne({ path, version: { kind: 'trash', entry: kept }, live: null }, to, deps, null);
    return 0;
  }
  let revisions: JournalEntry[];
  let server: RemoteStore;
  try {
    server = deps.server();
    revisions = checked(await server.revisions(path), path, deps);
  } catch (error) {
    // Offline: the local trash still answers, for a file at T or a folder; a revision
    // number is the server's alone.
    const keptThen = wanted.at !== undefined ? keptAt(trash, path, wanted.at) : null;
    const folderKept = trash.some((e) => e.path.startsWith(`${path}/`));
    if (wanted.rev !== undefined || (keptThen === null && !folderKept)) throw error;
    deps.warn(`${path}: the server could not be asked (${(error as Error).message}); restoring from the local trash only`);
    if (keptThen) {
      await restoreOne({ path, version: { kind: 'trash', entry: keptThen }, live: null }, to, deps, null);
      return 0;
    }
    return restoreFolder(path, to, await notInPlace(deps.fs ?? nodeFileSystem, deps.root, pickFolder(path, trash, null, wanted), wanted), deps, null);
  }
  if (revisions.length > 0 || wanted.rev !== undefined) {
    const entry = pickRevision(path, revisions, wanted);
    await restoreOne({ path, version: { kind: 'server', entry }, live: liveOf(revisions) }, to, deps, server);
    return 0;
  }
  const journal: JournalEntry[] = [];
  await pullPages(server, 0, (page) => {
    for (const entry of page.entries) if (entry.path.startsWith(`${path}/`)) journal.push(entry);
  });
  if (journal.length === 0 && !trash.some((e) => e.path.startsWith(`${path}/`))) {
    throw new NothingToRestore(`${path}: nothing to restore, neither in the local trash nor on the server`);
  }
  return restoreFolder(path, to, await notInPlace(deps.fs ?? nodeFileSystem, deps.root, pickFolder(path, trash, journal, wanted), wanted), deps, server);
}

async function restoreFolder(folder: string, to: string, picks: RestorePick[], deps: RestoreDeps, server: RemoteStore | null): Promise<number> {
  if (picks.length === 0) {
    deps.say(`every file under ${folder} is in place; nothing restored`);
    return 0;
  }
  let failed = 0;
  for (const pick of picks) {
    try {
      await restoreOne(pick, to + pick.path.slice(folder.length), deps, server);
    } catch (error) {
      failed++;
      deps.warn((error as Error).message);
    }
  }
  return failed;
}

/** Writes one version at `target` and, for a server revision at its own path, commits it. */
async function restoreOne(pick: RestorePick, target: string, deps: RestoreDeps, server: RemoteStore | null): Promise<void> {
  const { version, live } = pick;
  const placed = await placeVersion(target, version, {
    fs: deps.fs,
    root: deps.root,
    device: deps.device,
    now: Date.now(),
    remote: server ?? undefined,
    live: target === pick.path && live ? { contentHash: live.contentHash!, rev: live.rev } : null,
  });
  if (placed.keptAs) deps.say(`kept the file that was at ${target} in ${placed.keptAs === 'the local trash' ? placed.keptAs : `"${placed.keptAs}"`}`);
  const what = describe(version);
  if (version.kind === 'server' && target === pick.path && live?.contentHash !== version.entry.contentHash) {
    const entry = await server!.restore(deps.device, pick.path, version.entry.rev);
    deps.say(`restored ${target} (${what}); committed as revision ${entry.rev}`);
  } else if (!placed.written) {
    deps.say(`${target} already holds ${what}`);
  } else if (version.kind === 'server' && target === pick.path) {
    deps.say(`restored ${target} (${what}, the server's live version)`);
  } else {
    deps.say(`restored ${target} (${what}); it uploads on the next sync`);
  }
}

function describe(version: Version): string {
  if (version.kind === 'trash') return `from the local trash, removed ${new Date(version.entry.trashedAt).toISOString()}`;
  return `revision ${version.entry.rev} of ${new Date(version.entry.committedAt).toISOString()}`;
}

/** The picks not already in place (inPlace), hashing local files only where it matters. */
async function notInPlace(fs: FileSystem, root: string, picks: RestorePick[], wanted: Wanted): Promise<RestorePick[]> {
  const out: RestorePick[] = [];
  for (const pick of picks) {
    const abs = join(root, pick.path);
    const there = existsOnDisk(fs, root, pick.path);
    const localHash = !there ? undefined : wanted.at === undefined ? null : ((await hashSnapshot(fs, abs).catch(() => null))?.contentHash ?? null);
    if (!inPlace(wanted, localHash, pick.version.entry.contentHash)) out.push(pick);
  }
  return out;
}

/** Revisions the server sent, each checked like a journal entry; a bad one is left out. */
export function checked(revisions: JournalEntry[], path: string, deps: Pick<RestoreDeps, 'warn'>): JournalEntry[] {
  return revisions.filter((r) => {
    const problem = entryProblem(r, 0, Number.MAX_SAFE_INTEGER) ?? (r.path === path ? null : `path ${JSON.stringify(r.path)} is not the one asked for`);
    if (problem) deps.warn(`${path}: a revision from the server was refused, ${problem}`);
    return problem === null;
  });
}

/**
 * SyncApi.restoreVersion over a running engine: the restore runs between the engine's cycles
 * (never beside one) and is synced at once. Resolves with what was done, a line per file.
 */
export async function restoreInEngine(engine: Pick<SyncEngine, 'root' | 'device' | 'remote' | 'betweenCycles' | 'disk'>, request: RestoreRequest): Promise<string[]> {
  const path = request.path.normalize('NFC');
  const problem = pathProblem(path);
  if (problem) throw new SyncError('invalid_path', `restore "${request.path}": ${problem}`);
  const lines: string[] = [];
  const problems: string[] = [];
  await engine.betweenCycles(async () => {
    try {
      const failed = await restorePath(
        { path, to: path, wanted: { rev: request.rev, at: request.at } },
        { root: engine.root, device: engine.device, fs: engine.disk.fs, server: () => engine.remote, say: (line) => lines.push(line), warn: (line) => problems.push(line) },
      );
      if (failed > 0) throw new SyncError('io', `restore "${path}": ${failed} ${failed === 1 ? 'file' : 'files'} could not be written: ${problems.join('; ')}`);
    } catch (error) {
      if (error instanceof NothingToRestore) throw new SyncError('not_found', error.message);
      throw error;
    }
  });
  return [...lines, ...problems];
}
