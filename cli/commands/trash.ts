// `hsync trash`: what the local trash of a synced folder holds (docs/engine.md "The local
// trash"), newest first; read from the folder alone, so it works offline.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { listTrash, type TrashEntry } from '../../shared/node/engine/local-trash.js';
import { nodeFileSystem } from '../../shared/node/fs/node-file-system.js';
import { parse, UsageError } from '../args.js';

export const help = `Usage: hsync trash --folder DIR [--json]

Lists the files the local trash (DIR/.hsync/trash/) keeps: files a deletion or an
overwrite from the server took off this device while the server no longer held their
version as live. Newest first: when it was removed, why, its size and its path. "hsync
restore PATH" brings the newest one of a path back.

--json prints {"entries":[{"path","trashedAt","size","reason","rev"}]}, trashedAt in ms
since the epoch.

Exit status: 0 when listed (also when empty), 1 when the trash cannot be read, 2 for bad flags.`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, { folder: { type: 'string' }, json: { type: 'boolean' } });
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  if (typeof args.values.folder !== 'string') throw new UsageError('--folder DIR is required');
  const root = resolve(args.values.folder);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--folder ${args.values.folder}: not a folder`);
  const entries = await listTrash(nodeFileSystem, root);
  if (args.values.json) console.log(JSON.stringify({ entries: entries.map(jsonOf) }));
  else if (entries.length === 0) console.log(`the trash of ${root} is empty`);
  else console.log(entries.map(formatLine).join('\n'));
  return 0;
}

function jsonOf(e: TrashEntry) {
  return { path: e.path, trashedAt: e.trashedAt, size: e.size, reason: e.reason, rev: e.rev };
}

function formatLine(e: TrashEntry): string {
  return `${new Date(e.trashedAt).toISOString()}  ${e.reason.padEnd(11)}  ${`${e.size} bytes`.padStart(14)}  ${e.path}`;
}
