// `hsync status`: what the running client is doing, in the words the status window uses.

import { hasCode } from '../../shared/common/errors.js';
import type { IgnoredList, SyncStatus } from '../../shared/common/sync-api.js';
import { connectControl } from '../../shared/node/api-bridge/control-client.js';
import { defaultStateDir } from '../../shared/node/api-bridge/state-dir.js';
import { parse, stringOption } from '../args.js';

export const help = `Usage: hsync status [--state DIR] [--json] [--ignored]

Shows the state of the running client (found through DIR/control.json; DIR defaults to
${defaultStateDir()}): state, pending transfers, problems, storage tier and the folders
it does not sync (selective sync, "hsync sync --exclude-folder").
With --json, prints the full status object.
With --ignored, lists instead the paths of the folder the ignore rules keep out of sync, one
a line, a folder once with a trailing "/", and which rules ignore it (.hsyncignore or
built-in); with --json {"paths":[{"path","dir","by"}],"truncated"} (by: "user" or "default").

Exit status: 0 when a client answered, 1 when none is running or it failed.`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, { state: { type: 'string' }, json: { type: 'boolean' }, ignored: { type: 'boolean' } });
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  if (args.values.ignored) {
    const list = await withClient(stringOption(args, 'state', defaultStateDir()), (api) => api.listIgnored());
    if (list === null) return 1;
    console.log(args.values.json ? JSON.stringify(list) : formatIgnored(list));
    return 0;
  }
  const status = await withClient(stringOption(args, 'state', defaultStateDir()), (api) => api.getStatus());
  if (status === null) return 1;
  console.log(args.values.json ? JSON.stringify(status, null, 2) : formatStatus(status));
  return 0;
}

/** Connects and runs one call; prints a one-line reason and returns null when no client answers. */
export async function withClient<T>(stateDir: string, call: (api: Awaited<ReturnType<typeof connectControl>>) => Promise<T>): Promise<T | null> {
  try {
    return await call(await connectControl(stateDir));
  } catch (error) {
    const hint = hasCode(error, 'unavailable') ? ' (start one with "npm start" or "hsync sync")' : '';
    console.error(`hsync: ${(error as Error).message}${hint}`);
    return null;
  }
}

function formatStatus(s: SyncStatus): string {
  const lines = [
    s.summary,
    `  folder   ${s.folder}`,
    `  device   ${s.device}`,
    `  server   ${s.serverUrl}`,
    `  storage  ${s.storage.detail || s.storage.mode}`,
  ];
  const { up, down } = s.pending;
  if (up.files || down.files) lines.push(`  pending  ${up.files} up (${up.bytes} B), ${down.files} down (${down.bytes} B)`);
  if (s.pendingDeletes?.side === 'remote') {
    lines.push(`  waiting  remove ${s.pendingDeletes.count} files deleted on the server from this device? (confirm in the status window)`);
  } else if (s.pendingDeletes) lines.push(`  waiting  delete ${s.pendingDeletes.count} files on all devices? (confirm in the status window)`);
  if (s.excludedFolders.length > 0) lines.push(`  excluded ${s.excludedFolders.map((f) => `${f}/`).join(', ')} (selective sync: not on this device)`);
  for (const p of s.problems) lines.push(`  problem  ${p.path}: ${p.message}`);
  for (const w of s.warnings) lines.push(`  warning  ${w}`);
  return lines.join('\n');
}

function formatIgnored(list: IgnoredList): string {
  if (list.paths.length === 0) return 'nothing is ignored';
  const lines = list.paths.map((p) => `${p.dir ? `${p.path}/` : p.path}  (${p.by === 'user' ? '.hsyncignore' : 'built-in'})`);
  if (list.truncated) lines.push(`… and more (the first ${list.paths.length} are listed)`);
  return lines.join('\n');
}
