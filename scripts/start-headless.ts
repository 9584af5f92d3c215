// The headless client's composition root (what `npm start` runs without Electron): the
// settings file the desktop app uses (read with conf), the embedded in-house server when no
// server is set, the engine behind a client host, and the control endpoint serving the
// status window. Prints `ui <url>` when ready; SIGINT/SIGTERM stop it cleanly.

import Conf from 'conf';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addUser, startServer, type RunningServer } from '../server/index.js';
import { startClientHost } from '../shared/node/api-bridge/client-host.js';
import { defaultConfigDir, defaultDataDir, defaultSettings, readSettings, SETTINGS_SCHEMA, type StoredSettings } from '../shared/node/api-bridge/client-settings.js';
import { startControl } from '../shared/node/api-bridge/control-server.js';
import { startRealEngine } from '../shared/node/api-bridge/engine-runner.js';
import { defaultStateDir } from '../shared/node/api-bridge/state-dir.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../shared/node/private-files.js';

export async function runHeadless(argv: string[]): Promise<number> {
  let uiPort = 0;
  try {
    const { values } = parseArgs({ args: argv, options: { 'ui-port': { type: 'string' } }, strict: true });
    if (values['ui-port'] !== undefined) {
      uiPort = Number(values['ui-port']);
      if (!/^\d+$/.test(values['ui-port']) || uiPort > 65535) throw new Error(`--ui-port must be a port number, got "${values['ui-port']}"`);
    }
  } catch (error) {
    console.error(`npm start: ${(error as Error).message.split('. ')[0]}`);
    return 2;
  }

  const configDir = process.env.HSYNC_CONFIG_DIR || defaultConfigDir();
  makePrivateDir(configDir);
  const settings = new Conf<StoredSettings>({
    cwd: configDir,
    configName: 'config',
    projectName: 'hybrid-sync',
    schema: SETTINGS_SCHEMA,
    defaults: defaultSettings(),
    clearInvalidConfig: true,
    configFileMode: PRIVATE_FILE_MODE, // it holds tokens
  });
  const dataDir = join(process.env.HSYNC_DATA_DIR || defaultDataDir(), 'server');
  const stateDir = process.env.HSYNC_STATE_DIR || defaultStateDir();
  let server: RunningServer | null = null;

  const host = await startClientHost({
    settings,
    startEngine: (config) => startRealEngine(config, stateDir, (line) => console.error(line)),
    async embeddedServer() {
      server ??= await startServer({ dataDir, host: '127.0.0.1', port: 0 });
      let token = readSettings(settings).embeddedToken;
      if (!token) {
        token = await addUser(dataDir, 'me');
        settings.set('embeddedToken', token);
      }
      console.error(`embedded server ${server.url} (data in ${dataDir})`);
      return { url: server.url, token };
    },
    log: (line) => console.error(line),
  });
  const control = await startControl(host, { stateDir, uiPort });
  const s = readSettings(settings);
  console.error(`syncing ${s.folder} with ${host.serverUrl()}`);
  console.log(`ui ${control.uiUrl}`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await control.close();
  await host.stop();
  await (server as RunningServer | null)?.close();
  return 0;
}
