// `hsync status`: what the running client is doing, in the words the status window uses.

import { hasCode } from '../../shared/common/errors.js';
import { describeFolderEvent } from '../../shared/common/folder-events.js';
import { excludedWords } from '../../shared/common/status-words.js';
import type { IgnoredList, SyncStatus } from '../../shared/common/sync-api.js';
import { connectControl } from '../../shared/node/api-bridge/control-client.js';
import { defaultStateDir } from '../../shared/node/api-bridge/state-dir.js';
import { parse, stringOption } from '../args.js';

export const help = `Usage: hsync status [--state DIR] [--json] [--ignored]
       hsync status --events [--since N] [--follow] [--state DIR] [--json]

Shows the state of the running client (found through DIR/control.json; DIR defaults to
${defaultStateDir()}): state, pending transfers, problems, storage tier and the folders
it does not sync (selective sync, "hsync sync --exclude-folder").
With --json, prints the full status object.
With --ignored, lists instead the paths of the folder the ignore rules keep out of sync, one
a line, a folder once with a trailing "/", and which rules ignore it (.hsyncignore or
built-in); with --json {"paths":[{"path","dir","by"}],"truncated"} (by: "user" or "default").
With --events, prints the folder's events after sequence number N (default 0: every one the
client still keeps, at most the last 1,000), one a line: "SEQ HH:MM:SS what happened"
(state changes, files synced, problems found and cleared, warnings, held deletions, cycles
finished); with --json one JSON object a line. --follow keeps printing new events until
interrupted. A status (--json) carries "seq", the newest event it includes.

Exit status: 0 when a client answered, 1 when none is running or it failed.`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    state: { type: 'string' },
    json: { type: 'boolean' },
    ignored: { type: 'boolean' },
    events: { type: 'boolean' },
    since: { type: 'string' },
    follow: { type: 'boolean' },
  });
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  if (args.values.events) {
    const since = Number(stringOption(args, 'since', '0'));
    if (!Number.isSafeInteger(since) || since < 0) {
      console.error('hsync status: --since takes a whole number, 0 or more');
      return 2;
    }
    return printEvents(stringOption(args, 'state', defaultStateDir()), since, args.values.follow === true, args.values.json === true);
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

const FOLLOW_EVERY_MS = 500;

/** Prints the events after `since`; with `follow`, goes on until the client stops or SIGINT. */
async function printEvents(stateDir: string, since: number, follow: boolean, json: boolean): Promise<number> {
  let seq = since;
  for (;;) {
    const page = await withClient(stateDir, (api) => api.eventsSince(seq));
    if (page === null) return follow && seq > since ? 0 : 1;
    if (page.missed) console.error(`hsync status: events ${seq + 1}-${page.events[0]?.seq ?? page.seq} are no longer kept`);
    for (const event of page.events) console.log(json ? JSON.stringify(event) : describeFolderEvent(event));
    seq = page.seq;
    if (!follow) return 0;
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS));
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
  if (s.excludedFolders.length > 0) lines.push(`  excluded ${excludedWords(s)} (selective sync: not on this device)`);
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
