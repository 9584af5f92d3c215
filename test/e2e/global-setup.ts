// Builds the status window once before the browser tests, so they exercise what users get,
// and says up front whether the Electron journeys can run here.
import { build } from 'vite';
import { electronBinary } from './support.js';

export default async function globalSetup(): Promise<void> {
  await build({ configFile: 'vite.renderer.config.ts', logLevel: 'warn' });
  const electron = electronBinary();
  if (electron.path === null) console.log(`\nElectron journeys (test/e2e/electron.spec.ts) will be SKIPPED: ${electron.reason}.\n`);
}
