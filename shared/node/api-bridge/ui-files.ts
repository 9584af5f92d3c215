// Serves the built status window (Vite's output) to a browser. The files are public (the
// token is not in them), but the page still gets a strict Content-Security-Policy: no inline
// script, no remote content, no framing, and it may talk to this endpoint only.

import { readFile, realpath } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:renderer` puts the status window. */
export const DEFAULT_UI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '.vite', 'renderer', 'main_window');

export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Headers every response of the endpoint carries. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Serves one file under uiDir for a URL path; answers 404 for anything outside it or missing. */
export async function serveUiFile(uiDir: string, urlPath: string, res: ServerResponse, headOnly: boolean): Promise<void> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath);
  } catch {
    return notFound(res);
  }
  const root = resolve(uiDir);
  const file = resolve(join(root, relative));
  if (relative.includes('\0') || (file !== root && !file.startsWith(root + sep))) return notFound(res);
  let body: Buffer;
  try {
    // realpath: a symlink inside the build folder must not lead out of it.
    const real = await realpath(file);
    const realRoot = await realpath(root);
    if (!real.startsWith(realRoot + sep)) return notFound(res);
    body = await readFile(real);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (urlPath === '/' && code === 'ENOENT') return uiNotBuilt(res, root);
    return notFound(res);
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'content-security-policy': UI_CSP,
  });
  res.end(headOnly ? undefined : body);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end('not found\n');
}

function uiNotBuilt(res: ServerResponse, root: string): void {
  res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end(`The status window is not built (nothing in ${root}). Run "npm run build:renderer" and reload.\n`);
}
