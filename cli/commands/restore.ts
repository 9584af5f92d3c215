// `hsync restore PATH`: brings a file (or every file under a folder) back into a synced folder
// from the local trash, which works offline, or from the server's revisions, and makes it
// the live version again (docs/engine.md "Restore").

import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { JournalEntry } from '../../shared/common/protocol.js';
import { HttpRemote } from '../../shared/node/remote/http-remote.js';
import { entryProblem } from '../../shared/node/remote/journal-check.js';
import { hashSnapshot } from '../../shared/node/engine/hash-snapshot.js';
import { existsOnDisk } from '../../shared/node/engine/local-files.js';
import { listTrash } from '../../shared/node/engine/local-trash.js';
import { nodeFileSystem } from '../../shared/node/fs/node-file-system.js';
import { pullPages } from '../../shared/node/engine/pull-pages.js';
import { optional, parse, UsageError } from '../args.js';
import { ACCOUNT_OPTIONS, accountFlags, folderAccount, syncPathArg, type FolderAccount } from '../folder-account.js';
import { inPlace, keptAt, liveOf, newestInTrash, NothingToRestore, pickFolder, pickRevision, type Pick, type Wanted } from '../restore-choice.js';
import { placeVersion, type Version } from '../restore-write.js';

export const help = `Usage: hsync restore PATH --folder DIR [--rev R | --at T] [--to NEWPATH]
                     [--server URL --token-file FILE] [--state DIR] [--device NAME]

Brings PATH (relative to DIR, or absolute inside it) back into the folder:
  no --rev     the newest copy in the local trash (DIR/.hsync/trash/, works offline),
               else the newest server revision that is not a deletion
  --rev R      server revision R (see hsync history)
  --at T       the newest server revision at or before T (ISO time or ms since the epoch);
               when the server cannot be reached, the copy in the local trash that this
               device held at T (the first removed after T, by this device's clock)
  --to NEWPATH write it under another name instead
A folder PATH restores every file under it: without --at the ones that are gone (in the
trash, or deleted on the server, and missing here), with --at the version each file had
at T. A restore never deletes: files added after T stay.

A different file already at the name is kept, as a conflicted copy, or in the local trash
when it is exactly the server's live version. A server revision restored at its own path
is committed at once (POST /v1/restore); a copy from the trash, or a file written under
--to, is uploaded by the next sync. Server and token as for "hsync history"; --device names
this device in conflicted copies and history (default: host name).

Exit status: 0 restored (or already in place), 1 the server refused or is unreachable, or
a write failed, 2 bad flags, 3 nothing to restore (no such revision or trash copy).`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    ...ACCOUNT_OPTIONS,
    device: { type: 'string' },
    rev: { type: 'string' },
    at: { type: 'string' },
    to: { type: 'string' },
  }, true);
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('give one PATH');
  const flags = accountFlags(args.values);
  // With --server the flags are checked now; saved settings are read only if the server is needed.
  let account: FolderAccount | null = flags.server !== undefined ? folderAccount(flags) : null;
  const root = account?.root ?? resolve(flags.folder);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--folder ${flags.folder}: not a folder`);
  const path = syncPathArg(root, args.positionals[0]);
  const to = optional(args.values.to) === undefined ? path : syncPathArg(root, optional(args.values.to)!);
  const wanted: Wanted = { rev: revFlag(optional(args.values.rev)), at: timeFlag(optional(args.values.at)) };
  if (wanted.rev !== undefined && wanted.at !== undefined) throw new UsageError('give --rev or --at, not both');
  const device = optional(args.values.device) ?? (hostname() || 'device');

  let remote: HttpRemote | null = null;
  const server = (): HttpRemote => {
    account ??= folderAccount(flags);
    if (account.warning) console.error(`hsync restore: warning: ${account.warning}`);
    remote ??= new HttpRemote(account.serverUrl, account.token);
    return remote;
  };
  try {
    const trash = await listTrash(nodeFileSystem, root);
    const kept = wanted.rev === undefined && wanted.at === undefined ? newestInTrash(trash, path) : null;
    if (kept) {
      await restoreOne({ path, version: { kind: 'trash', entry: kept }, live: null }, to, { root, device, remote: null });
      return 0;
    }
    let revisions: JournalEntry[];
    try {
      revisions = checked(await server().revisions(path), path);
    } catch (error) {
      // Offline: the local trash still answers, for a file at T or a folder; a revision
      // number is the server's alone.
      const keptThen = wanted.at !== undefined ? keptAt(trash, path, wanted.at) : null;
      const folderKept = trash.some((e) => e.path.startsWith(`${path}/`));
      if (wanted.rev !== undefined || (keptThen === null && !folderKept)) throw error;
      console.error(`hsync restore: ${path}: the server could not be asked (${(error as Error).message}); restoring from the local trash only`);
      const offline = { root, device, remote: null };
      if (keptThen) {
        await restoreOne({ path, version: { kind: 'trash', entry: keptThen }, live: null }, to, offline);
        return 0;
      }
      return await restoreFolder(path, to, await notInPlace(root, pickFolder(path, trash, null, wanted), wanted), offline);
    }
    if (revisions.length > 0 || wanted.rev !== undefined) {
      const entry = pickRevision(path, revisions, wanted);
      await restoreOne({ path, version: { kind: 'server', entry }, live: liveOf(revisions) }, to, { root, device, remote: server() });
      return 0;
    }
    const journal: JournalEntry[] = [];
    await pullPages(server(), 0, (page) => {
      for (const entry of page.entries) if (entry.path.startsWith(`${path}/`)) journal.push(entry);
    });
    if (journal.length === 0 && !trash.some((e) => e.path.startsWith(`${path}/`))) {
      throw new NothingToRestore(`${path}: nothing to restore, neither in the local trash nor on the server`);
    }
    return await restoreFolder(path, to, await notInPlace(root, pickFolder(path, trash, journal, wanted), wanted), { root, device, remote: server() });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    console.error(`hsync restore: ${(error as Error).message}`);
    return error instanceof NothingToRestore ? 3 : 1;
  } finally {
    (remote as HttpRemote | null)?.close();
  }
}

interface RestoreContext {
  root: string;
  device: string;
  remote: HttpRemote | null;
}

async function restoreFolder(folder: string, to: string, picks: Pick[], ctx: RestoreContext): Promise<number> {
  if (picks.length === 0) {
    console.log(`every file under ${folder} is in place; nothing restored`);
    return 0;
  }
  let failed = 0;
  for (const pick of picks) {
    try {
      await restoreOne(pick, to + pick.path.slice(folder.length), ctx);
    } catch (error) {
      failed++;
      console.error(`hsync restore: ${(error as Error).message}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

/** Writes one version at `target` and, for a server revision at its own path, commits it. */
async function restoreOne(pick: Pick, target: string, ctx: RestoreContext): Promise<void> {
  const { version, live } = pick;
  const placed = await placeVersion(target, version, {
    root: ctx.root,
    device: ctx.device,
    now: Date.now(),
    remote: ctx.remote ?? undefined,
    live: target === pick.path && live ? { contentHash: live.contentHash!, rev: live.rev } : null,
  });
  if (placed.keptAs) console.log(`kept the file that was at ${target} in ${placed.keptAs === 'the local trash' ? placed.keptAs : `"${placed.keptAs}"`}`);
  const what = describe(version);
  if (version.kind === 'server' && target === pick.path && live?.contentHash !== version.entry.contentHash) {
    const entry = await ctx.remote!.restore(ctx.device, pick.path, version.entry.rev);
    console.log(`restored ${target} (${what}); committed as revision ${entry.rev}`);
  } else if (!placed.written) {
    console.log(`${target} already holds ${what}`);
  } else if (version.kind === 'server' && target === pick.path) {
    console.log(`restored ${target} (${what}, the server's live version)`);
  } else {
    console.log(`restored ${target} (${what}); it uploads on the next sync`);
  }
}

function describe(version: Version): string {
  if (version.kind === 'trash') return `from the local trash, removed ${new Date(version.entry.trashedAt).toISOString()}`;
  return `revision ${version.entry.rev} of ${new Date(version.entry.committedAt).toISOString()}`;
}

/** The picks not already in place (inPlace), hashing local files only where it matters. */
async function notInPlace(root: string, picks: Pick[], wanted: Wanted): Promise<Pick[]> {
  const out: Pick[] = [];
  for (const pick of picks) {
    const abs = join(root, pick.path);
    const there = existsOnDisk(nodeFileSystem, root, pick.path);
    const localHash = !there ? undefined : wanted.at === undefined ? null : ((await hashSnapshot(nodeFileSystem, abs).catch(() => null))?.contentHash ?? null);
    if (!inPlace(wanted, localHash, pick.version.entry.contentHash)) out.push(pick);
  }
  return out;
}

/** Revisions the server sent, each checked like a journal entry; a bad one is left out. */
function checked(revisions: JournalEntry[], path: string): JournalEntry[] {
  return revisions.filter((r) => {
    const problem = entryProblem(r, 0, Number.MAX_SAFE_INTEGER) ?? (r.path === path ? null : `path ${JSON.stringify(r.path)} is not the one asked for`);
    if (problem) console.error(`hsync restore: ${path}: a revision from the server was refused, ${problem}`);
    return problem === null;
  });
}

function revFlag(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw new UsageError(`--rev must be a revision number, got "${raw}"`);
  return Number(raw);
}

/** ISO time or ms since the epoch. */
export function timeFlag(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const at = /^\d{1,16}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(at)) throw new UsageError(`--at must be an ISO time (2026-12-01T10:00:00Z) or ms since the epoch, got "${raw}"`);
  return at;
}
