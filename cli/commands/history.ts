// `hsync history PATH`: every revision the server keeps of a file in a synced folder,
// newest first, deletions included (what `hsync restore` can bring back).

import { HttpRemote } from '../../shared/node/remote/http-remote.js';
import type { FileRevision } from '../../shared/common/sync-api.js';
import { fileHistory } from '../../shared/node/engine/file-history.js';
import { parse, UsageError } from '../args.js';
import { ACCOUNT_OPTIONS, accountFlags, folderAccount, syncPathArg } from '../folder-account.js';

export const help = `Usage: hsync history PATH --folder DIR [--server URL --token-file FILE] [--state DIR] [--json]

Lists the revisions the server keeps of PATH (relative to DIR, or absolute inside it),
newest first: revision number, time, device and size, deletions marked. The server and
token are the ones "hsync sync" saved for DIR, unless --server with --token-file (or
HSYNC_TOKEN, or --token) says otherwise; --state DIR names the folder's state as for
"hsync sync".

--json prints {"revisions":[{"rev","time","device","size","deleted"}]}, time in ms since
the epoch (the server's clock when the revision was committed).

Exit status: 0 when listed (also for a path with no revisions), 1 when the server
refused or is unreachable, 2 for bad flags.`;

function formatLine(r: FileRevision): string {
  return `${String(r.rev).padStart(8)}  ${new Date(r.time).toISOString()}  ${r.deleted ? 'deleted' : `${r.size} bytes`}  ${r.device}`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    ...ACCOUNT_OPTIONS,
    json: { type: 'boolean' },
  }, true);
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('give one PATH');
  const account = folderAccount(accountFlags(args.values));
  if (account.warning) console.error(`hsync history: warning: ${account.warning}`);
  const path = syncPathArg(account.root, args.positionals[0]);
  const remote = new HttpRemote(account.serverUrl, account.token);
  try {
    const revisions = await fileHistory(remote, path);
    if (args.values.json) console.log(JSON.stringify({ revisions }));
    else if (revisions.length === 0) console.log(`no revisions of ${path}`);
    else console.log(revisions.map(formatLine).join('\n'));
    return 0;
  } catch (error) {
    console.error(`hsync history: ${path}: ${(error as Error).message}`);
    return 1;
  } finally {
    remote.close();
  }
}
