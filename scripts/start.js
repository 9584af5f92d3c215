// `npm start`: the desktop app where an Electron binary is installed; elsewhere (CI
// machines, servers, this kind of box) the headless client with the same status window in a
// browser. Either way, with no settings it syncs ~/HybridSync against an in-house server
// it runs itself under the user's data dir.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectron } from './electron-binary.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(path) : st.mtimeMs);
  }
  return newest;
}

function viteBuild(config) {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '-c', config, '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`npm start: building with ${config} failed`);
    process.exit(1);
  }
}

/** Builds the status window if it is missing or older than its sources. */
function ensureRenderer() {
  const index = join(ROOT, '.vite/renderer/main_window/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(ROOT, 'renderer'))) return;
  console.error('Building the status window…');
  viteBuild('vite.renderer.config.ts');
}

const cacheHome = process.env.XDG_CACHE_HOME?.startsWith('/') ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
const electron = process.env.HSYNC_HEADLESS
  ? { reason: 'HSYNC_HEADLESS is set' }
  : ensureElectron({
      dir: join(ROOT, 'node_modules', 'electron'),
      env: process.env,
      markerFile: join(cacheHome, 'hybrid-sync', 'electron-fetch-failed'),
      log: (line) => console.error(line),
    });
if (electron.path) {
  ensureRenderer();
  viteBuild('vite.preload.config.ts');
  viteBuild('vite.main.config.ts');
  const child = spawn(electron.path, [ROOT, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
} else {
  console.error(`No Electron binary here (${electron.reason}),`);
  console.error('so Hybrid Sync runs as a headless client; open the "ui" address below in a browser.');
  ensureRenderer();
  const { register } = await import('tsx/esm/api');
  register();
  const { runHeadless } = await import('./start-headless.ts');
  process.exitCode = await runHeadless(process.argv.slice(2));
}
