// `hsync resume`: sync again after `hsync pause`.

import { defaultStateDir } from '../../shared/node/api-bridge/state-dir.js';
import { parse, stringOption } from '../args.js';
import { withClient } from './status.js';

export const help = `Usage: hsync resume [--state DIR]

Resumes the running client (found through DIR/control.json; DIR defaults to
${defaultStateDir()}). Local changes made while paused are sent.

Exit status: 0 when resumed, 1 when no client is running or it failed.`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, { state: { type: 'string' } });
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  const done = await withClient(stringOption(args, 'state', defaultStateDir()), async (api) => {
    await api.resume();
    return api.getStatus();
  });
  if (done === null) return 1;
  console.log(done.summary);
  return 0;
}
