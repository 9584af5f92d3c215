// `hsync restore PATH`: brings a file (or every file under a folder) back into a synced folder
// from the local trash, which works offline, or from the server's revisions, and makes it
// the live version again (docs/engine.md "Restore"); the work is shared/node/engine/restore.ts.

import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { HttpRemote } from '../../shared/node/remote/http-remote.js';
import { restorePath } from '../../shared/node/engine/restore.js';
import { NothingToRestore, type Wanted } from '../../shared/node/engine/restore-choice.js';
import { optional, parse, UsageError } from '../args.js';
import { ACCOUNT_OPTIONS, accountFlags, folderAccount, syncPathArg, type FolderAccount } from '../folder-account.js';

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
    const failed = await restorePath({ path, to, wanted }, {
      root,
      device,
      server,
      say: (line) => console.log(line),
      warn: (line) => console.error(`hsync restore: ${line}`),
    });
    return failed > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    console.error(`hsync restore: ${(error as Error).message}`);
    return error instanceof NothingToRestore ? 3 : 1;
  } finally {
    (remote as HttpRemote | null)?.close();
  }
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
