// Finding the Electron binary for `npm start`, and fetching it once where `npm ci` did not.
// npm 11 honours package.json "allowScripts", where electron is off so that `npm ci` never
// fails on a machine without network; the first `npm start` then runs Electron's own
// installer (node_modules/electron/install.js). A failed fetch is remembered for a day, so
// an offline machine starts the headless client at once instead of waiting on every start.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How long a failed fetch keeps `npm start` from trying again. */
export const RETRY_AFTER_MS = 24 * 3600 * 1000;
/** A fetch that takes longer than this is given up (the binary is ~100 MB). */
export const FETCH_TIMEOUT_MS = 10 * 60 * 1000;

/** The binary's path per the installed electron package (`dir`), or why there is none. */
export function findElectron(dir, env = {}) {
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(join(dir, 'package.json'))) return { reason: 'the electron package is not installed' };
  if (!existsSync(pathFile)) return { reason: 'the electron package is installed without its binary' };
  // As the electron package itself resolves it (node_modules/electron/index.js).
  const path = join(env.ELECTRON_OVERRIDE_DIST_PATH || join(dir, 'dist'), readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(path)) return { reason: `the electron package points at ${path}, which does not exist` };
  return { path };
}

/**
 * The binary, fetched with Electron's installer when it is missing and fetching is allowed.
 * `env` decides: ELECTRON_SKIP_BINARY_DOWNLOAD (CI, offline installs) never fetches.
 * `markerFile` remembers a failed fetch. `log` gets the user-facing lines.
 */
export function ensureElectron({ dir, env, markerFile, log, now = Date.now(), run = runInstaller }) {
  const found = findElectron(dir, env);
  if (found.path) return found;
  if (!existsSync(join(dir, 'install.js'))) return found;
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { reason: `${found.reason}, and ELECTRON_SKIP_BINARY_DOWNLOAD is set` };
  if (existsSync(markerFile) && now - statSync(markerFile).mtimeMs < RETRY_AFTER_MS) {
    return { reason: `${found.reason}; fetching it failed recently (${readFileSync(markerFile, 'utf8').trim()}), next try after a day or once ${markerFile} is removed` };
  }
  log('Fetching the Electron binary (once; set ELECTRON_SKIP_BINARY_DOWNLOAD=1 to skip)…');
  const failure = run(join(dir, 'install.js'), env);
  const after = findElectron(dir, env);
  if (!failure && after.path) return after;
  const why = failure ?? after.reason;
  mkdirSync(join(markerFile, '..'), { recursive: true });
  writeFileSync(markerFile, `${new Date(now).toISOString()} ${why}\n`);
  return { reason: `fetching it failed: ${why}` };
}

/** Runs Electron's installer; null on success, else a one-line reason. */
function runInstaller(installJs, env) {
  const result = spawnSync(process.execPath, [installJs], { env, encoding: 'utf8', timeout: FETCH_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) return result.error.message;
  if (result.status === 0) return null;
  const lines = `${result.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  // The installer prints a stack; its first line is the error itself.
  return lines[0] ?? `the installer exited with ${result.status}`;
}
