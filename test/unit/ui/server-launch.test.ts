// Where the desktop app's embedded server runs: a packaged app forks its bundled `hsync` as
// an Electron utility process on the wasm SQLite driver (no system Node, no native module);
// a checkout runs bin/hsync.js under the system's Node on the native driver.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { serverLaunch } from '../../../electron/main/server-launch.js';

const context = { appPath: '/src/hybrid-sync', bundleDir: '/app/resources/app.asar/.vite/build', env: {} };

test('a packaged app runs the bundled server in a utility process on the wasm SQLite driver', () => {
  assert.deepEqual(serverLaunch({ ...context, packaged: true, env: { HSYNC_NODE: '/usr/bin/node' } }), {
    runner: 'utility-process',
    entry: '/app/resources/app.asar/.vite/build/hsync-server.cjs',
    serverArgs: ['--sqlite-driver', 'wasm'],
  });
});

test('from a checkout the server runs under the system Node (or HSYNC_NODE) on the native driver', () => {
  assert.deepEqual(serverLaunch({ ...context, packaged: false }), {
    runner: 'system-node',
    node: 'node',
    entry: '/src/hybrid-sync/bin/hsync.js',
    serverArgs: [],
  });
  const launch = serverLaunch({ ...context, packaged: false, env: { HSYNC_NODE: '/opt/node20/bin/node' } });
  assert.equal(launch.runner === 'system-node' && launch.node, '/opt/node20/bin/node');
});
