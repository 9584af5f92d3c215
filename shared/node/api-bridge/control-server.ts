// The local control endpoint of a running client: the SyncApi over HTTP for the CLI
// (`hsync status/pause/resume`) and for the status window in a browser.
//
// Routes, all derived from SYNC_API_METHODS:
//   POST /api/<method>   body: JSON array of arguments → ApiResult envelope
//   GET  /api/events     server-sent events: `status` with a SyncStatus on connect and on change
//   GET  /<file>         the built status window (only when started with a uiPort)
//
// Design choice: one HTTP server is both the control endpoint and the UI. Without uiPort
// it listens on a free port and serves the API only; with uiPort it listens there and also
// serves the page. Either way `<stateDir>/control.json` names it, so the CLI finds it.
// Every /api request passes the Host, Origin and token checks of request-guard.ts.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SyncError, httpStatusOf, toErrorData, type ErrorCode, type ErrorData } from '../../common/errors.js';
import { isSyncApiMethod, SYNC_API_METHODS, type ApiResult, type SyncApi } from '../../common/sync-api.js';
import { removeControlFile, writeControlFile } from './control-file.js';
import { apiRequestProblem, hostProblem } from './request-guard.js';
import { StatusStream, type StatusSource } from './status-stream.js';
import { DEFAULT_UI_DIR, SECURITY_HEADERS, serveUiFile } from './ui-files.js';

export type ControlledApi = SyncApi & { subscribe?: StatusSource['subscribe'] };

export interface ControlOptions {
  /** Where control.json goes (the client's state folder). */
  stateDir: string;
  /** Serve the status window on this port (0 = any free port); omit for the API only. */
  uiPort?: number;
  /** The built renderer; defaults to .vite/renderer/main_window of this checkout. */
  uiDir?: string;
}

export interface ControlHandle {
  /** The address of the status window with the token in its fragment, or null without uiPort. */
  uiUrl: string | null;
  /** The endpoint's base URL (also in control.json). */
  url: string;
  close(): Promise<void>;
}

/** Largest request body: settings patches are small; anything bigger is a mistake or an attack. */
const MAX_BODY = 64 * 1024;

/**
 * Starts the endpoint on 127.0.0.1 and writes control.json (mode 0600).
 * Rejects if the port is taken or the state folder cannot be written.
 */
export async function startControl(api: ControlledApi, opts: ControlOptions): Promise<ControlHandle> {
  const token = randomBytes(32).toString('base64url');
  const serveUi = opts.uiPort !== undefined;
  const uiDir = opts.uiDir ?? DEFAULT_UI_DIR;
  const stream = new StatusStream(api);
  let port = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) reply(res, { ok: false, error: toErrorData(error) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (!path.startsWith('/api/')) {
      const host = hostProblem(req.headers.host, port);
      if (host) return reply(res, fail('forbidden', `open "${path}": ${host}`));
      if (!serveUi) return reply(res, fail('not_found', `open "${path}": this endpoint serves no UI`));
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, fail('bad_request', `${req.method} "${path}": not allowed`));
      return serveUiFile(uiDir, path, res, req.method === 'HEAD');
    }
    const problem = apiRequestProblem(req.headers, port, token);
    if (problem) return reply(res, { ok: false, error: problem });

    const name = path.slice('/api/'.length);
    if (name === 'events') {
      if (req.method !== 'GET') return reply(res, fail('bad_request', 'events: use GET'));
      return stream.add(res, SECURITY_HEADERS);
    }
    if (!isSyncApiMethod(name)) return reply(res, fail('not_found', `call "${name}": no such method`));
    if (req.method !== 'POST') return reply(res, fail('bad_request', `call ${name}: use POST`));
    // A JSON content type cannot be sent cross-site without a CORS preflight, which we never grant.
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      return reply(res, fail('bad_request', `call ${name}: body must be application/json`));
    }
    const args = await readArgs(req);
    const reason = SYNC_API_METHODS[name].validate(args);
    if (reason) return reply(res, fail('bad_request', `call ${name}: ${reason}`));
    try {
      const method = api[name] as (...a: unknown[]) => Promise<unknown>;
      const value = await method.apply(api, args);
      return reply(res, { ok: true, value: value ?? null });
    } catch (error) {
      return reply(res, { ok: false, error: toErrorData(error) });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.uiPort ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  try {
    await writeControlFile(opts.stateDir, { url, token, pid: process.pid });
  } catch (error) {
    server.close();
    throw error;
  }

  let closed: Promise<void> | null = null;
  return {
    url,
    uiUrl: serveUi ? `${url}/#token=${token}` : null,
    close() {
      closed ??= (async () => {
        stream.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await removeControlFile(opts.stateDir, url);
      })();
      return closed;
    },
  };
}

function fail(code: ErrorCode, message: string): ApiResult<never> {
  return { ok: false, error: { code, message } };
}

function reply(res: ServerResponse, result: ApiResult<unknown>): void {
  const status = result.ok ? 200 : httpStatusOf((result.error as ErrorData).code);
  const body = JSON.stringify(result);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reads the JSON arguments array; 'bad_request' for anything else, 'too_large' past MAX_BODY. */
async function readArgs(req: IncomingMessage): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new SyncError('too_large', `read request: body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return [];
  let args: unknown;
  try {
    args = JSON.parse(text);
  } catch {
    throw new SyncError('bad_request', 'read request: body is not valid JSON');
  }
  if (!Array.isArray(args)) throw new SyncError('bad_request', 'read request: body must be a JSON array of arguments');
  return args;
}
