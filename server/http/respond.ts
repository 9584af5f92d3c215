// Answers: JSON bodies, and errors as {"error":{"code","message"}} with the status their
// code implies. An answer given before the request body was read closes the connection,
// so the unread rest of the body is never read.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { SyncError, toErrorData, type ErrorCode } from '../../shared/common/errors.js';
import type { ErrorBody } from '../../shared/common/protocol.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  invalid_path: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  need_blocks: 409,
  too_large: 413,
  hash_mismatch: 422,
  unavailable: 503,
  disk_full: 507,
};

/** A SyncError that also fixes its HTTP status (405, say, which has no code of its own). */
export class HttpError extends SyncError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length });
  res.end(payload);
}

/** Sends `error` as an error body; unexpected errors are logged and answered 500. */
export function sendError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    // Part of a body is out already (or the client left mid-download): the only honest
    // signal left is a cut connection.
    res.destroy();
    return;
  }
  const data = toErrorData(error);
  const status = error instanceof HttpError ? error.status : (STATUS[data.code] ?? 500);
  if (status === 500) console.error(`server: ${req.method} ${req.url}:`, error);
  if (!req.complete) {
    // Stop here rather than read (or wait for) the rest of a body we will not use.
    res.setHeader('connection', 'close');
    res.on('finish', () => {
      req.socket.end();
      setTimeout(() => req.socket.destroy(), 2000).unref();
    });
  }
  const body: ErrorBody = { error: data };
  sendJson(res, status, body);
}
