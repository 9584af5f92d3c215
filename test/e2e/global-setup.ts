// Builds the status window once before the browser tests, so they exercise what users get.
import { build } from 'vite';

export default async function globalSetup(): Promise<void> {
  await build({ configFile: 'vite.renderer.config.ts', logLevel: 'warn' });
}
