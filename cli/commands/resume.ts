// `hsync resume`: sync again after `hsync pause`.

import { defaultStateDir } from '../../shared/node/api-bridge/state-dir.js';
import { controlCommand } from './control-command.js';

export const help = `Usage: hsync resume [--state DIR]

Resumes the running client (found through DIR/control.json; DIR defaults to
${defaultStateDir()}). Local changes made while paused are sent.

Exit status: 0 when resumed, 1 when no client is running or it failed.`;

export const run = controlCommand('resume', help);
