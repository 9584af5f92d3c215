// `hsync pause`: stop syncing until `hsync resume`; the pause survives a restart.

import { defaultStateDir } from '../../shared/node/api-bridge/state-dir.js';
import { controlCommand } from './control-command.js';

export const help = `Usage: hsync pause [--state DIR]

Pauses the running client (found through DIR/control.json; DIR defaults to
${defaultStateDir()}). Changes stay local until "hsync resume".

Exit status: 0 when paused, 1 when no client is running or it failed.`;

export const run = controlCommand('pause', help);
