// `hsync limits`: read or change the running client's bandwidth caps. They take effect
// within a second, without a restart, and are kept in the client's settings.

import type { Settings } from '../../shared/common/sync-api.js';
import { MAX_LIMIT_KBPS } from '../../shared/common/sync-api.js';
import { defaultStateDir } from '../../shared/node/api-bridge/state-dir.js';
import { intOption, parse, stringOption } from '../args.js';
import { withClient } from './status.js';

export const help = `Usage: hsync limits [--up KBPS] [--down KBPS] [--state DIR]

Sets the running client's upload and download caps in KB/s (1 KB = 1000 bytes; 0 = no
limit), found through DIR/control.json (DIR defaults to ${defaultStateDir()}).
The caps apply within a second, also to transfers under way, and are kept for the next
start. Without --up or --down it prints the caps in force.

Prints one line: "upload <cap>, download <cap>".
Exit status: 0 when done, 1 when no client is running or it refused, 2 for bad flags.`;

const cap = (kbps: number) => (kbps === 0 ? 'no limit' : `${kbps} KB/s`);

export function describeLimits(s: Pick<Settings, 'upLimitKBps' | 'downLimitKBps'>): string {
  return `upload ${cap(s.upLimitKBps)}, download ${cap(s.downLimitKBps)}`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, { up: { type: 'string' }, down: { type: 'string' }, state: { type: 'string' } });
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  const patch: { upLimitKBps?: number; downLimitKBps?: number } = {};
  if (args.values.up !== undefined) patch.upLimitKBps = intOption(args, 'up', 0, 0, MAX_LIMIT_KBPS);
  if (args.values.down !== undefined) patch.downLimitKBps = intOption(args, 'down', 0, 0, MAX_LIMIT_KBPS);
  const settings = await withClient(stringOption(args, 'state', defaultStateDir()), (api) =>
    Object.keys(patch).length > 0 ? api.updateSettings(patch) : api.getSettings(),
  );
  if (settings === null) return 1;
  console.log(describeLimits(settings));
  return 0;
}
