// The `hsync` command as the packaged app's utility process runs it (electron/main/
// server-launch.ts): bundled with everything it needs into .vite/build/hsync-server.cjs,
// since a packaged app ships no node_modules. Its arguments come as JSON in HSYNC_ARGS,
// which reads the same whichever way the process was forked. It exits once its output is
// written: a utility process may outlive an empty event loop.

import { main } from '../../cli/main.js';
import { SERVER_ARGS_VARIABLE } from '../main/server-launch.js';

const args = JSON.parse(process.env[SERVER_ARGS_VARIABLE] ?? '[]') as string[];
void main(args).then((code) => process.stdout.write('', () => process.exit(code)));
