// Where the embedded server runs (docs/deploy.md "SQLite drivers"), decided here only:
// - a packaged app has no system Node to count on and its fuses keep it from running as
//   one (RunAsNode off), so it forks the bundled `hsync` entry (.vite/build/hsync-server.cjs)
//   as an Electron utility process, on the wasm SQLite driver: better-sqlite3 is built
//   for Node's ABI, not Electron's, and Forge rebuilds no native module.
// - from a checkout (`npm start`), `node bin/hsync.js` under the system's Node (HSYNC_NODE
//   names another), on the default native driver.

import { join } from 'node:path';

export type ServerLaunch =
  | { runner: 'utility-process'; entry: string; serverArgs: string[] }
  | { runner: 'system-node'; node: string; entry: string; serverArgs: string[] };

export interface LaunchContext {
  /** Electron's app.isPackaged. */
  packaged: boolean;
  /** app.getAppPath(): the checkout when not packaged. */
  appPath: string;
  /** The folder of the main bundle, where the server bundle sits beside it. */
  bundleDir: string;
  env: NodeJS.ProcessEnv;
}

/** The bundled entry a utility process runs; its arguments come in this variable (JSON). */
export const SERVER_BUNDLE = 'hsync-server.cjs';
export const SERVER_ARGS_VARIABLE = 'HSYNC_ARGS';

/** The environment that hands `args` to the bundled entry in a utility process. */
export function bundledServerEnv(launch: ServerLaunch, args: string[]): Record<string, string> {
  return { [SERVER_ARGS_VARIABLE]: JSON.stringify([...args, ...launch.serverArgs]) };
}

export function serverLaunch(context: LaunchContext): ServerLaunch {
  if (context.packaged) {
    return { runner: 'utility-process', entry: join(context.bundleDir, SERVER_BUNDLE), serverArgs: ['--sqlite-driver', 'wasm'] };
  }
  return { runner: 'system-node', node: context.env.HSYNC_NODE || 'node', entry: join(context.appPath, 'bin', 'hsync.js'), serverArgs: [] };
}
