// `hsync pause` and `hsync resume` differ only in the SyncApi method they call on the
// running client; this builds either command's `run`.

import { defaultStateDir } from '../../shared/node/api-bridge/state-dir.js';
import { parse, stringOption } from '../args.js';
import { withClient } from './status.js';

export function controlCommand(method: 'pause' | 'resume', help: string): (argv: string[]) => Promise<number> {
  return async (argv) => {
    const args = parse(argv, { state: { type: 'string' } });
    if (args.values.help) {
      console.log(help);
      return 0;
    }
    const done = await withClient(stringOption(args, 'state', defaultStateDir()), async (api) => {
      await api[method]();
      return api.getStatus();
    });
    if (done === null) return 1;
    console.log(done.summary);
    return 0;
  };
}
