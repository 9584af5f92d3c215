// End-to-end tests: the status window in Debian's Chromium (no browser download), against
// real servers and clients started by the tests themselves. One worker: the machine is small
// and every journey runs real processes. Screenshots and traces land in test-results/.
import { defineConfig } from '@playwright/test';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: './test/e2e',
  testMatch: '*.spec.ts',
  outputDir: './test-results',
  globalSetup: './test/e2e/global-setup.ts',
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'test-results/report.json' }]],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS },
    viewport: { width: 1000, height: 760 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
