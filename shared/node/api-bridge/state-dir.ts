// Where a client keeps control.json when no --state is given: the XDG state folder, so
// `hsync status` with no flags finds the client `npm start` runs.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'hybrid-sync');
}
