// `hsync pause`: stop syncing until `hsync resume`; the pause survives a restart.

import { defaultStateDir } from '../../shared/node/api-bridge/state-dir.js';
import { parse, stringOption } from '../args.js';
import { withClient } from './status.js';

export const help = `Usage: hsync pause [--state DIR]

Pauses the running client (found through DIR/control.json; DIR defaults to
${defaultStateDir()}). Changes stay local until "hsync resume".

Exit status: 0 when paused, 1 when no client is running or it failed.`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, { state: { type: 'string' } });
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  const done = await withClient(stringOption(args, 'state', defaultStateDir()), async (api) => {
    await api.pause();
    return api.getStatus();
  });
  if (done === null) return 1;
  console.log(done.summary);
  return 0;
}
