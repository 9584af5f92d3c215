// `npm start`: the desktop app where an Electron binary is installed; elsewhere (CI
// machines, servers, this kind of box) the headless client with the same status window in a
// browser. Either way, with no settings it syncs ~/HybridSync against an in-house server
// it runs itself under the user's data dir.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The Electron binary's path, or why there is none. */
function findElectron() {
  try {
    const path = require('electron'); // the npm package exports the binary's path
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { reason: `the electron package points at ${path}, which does not exist` };
  } catch (error) {
    const message = String(error.message);
    // The package installs without its binary where downloads are skipped (ELECTRON_SKIP_BINARY_DOWNLOAD, allowScripts).
    if (/failed to install/i.test(message)) return { reason: 'the electron package is installed without its binary' };
    return { reason: message.split('\n')[0] };
  }
}

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

const electron = process.env.HSYNC_HEADLESS ? { reason: 'HSYNC_HEADLESS is set' } : findElectron();
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
