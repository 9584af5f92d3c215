// Electron entry: one instance per user; a second launch only brings the window forward.
import { app } from 'electron';
import { startDesktopApp } from './desktop-app.js';

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  startDesktopApp().catch((error: unknown) => {
    console.error(`Hybrid Sync: ${(error as Error).stack ?? String(error)}`);
    app.exit(1);
  });
}
