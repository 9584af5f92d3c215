// Answers: JSON bodies, and errors as {"error":{"code","message"}} with the status their
// code implies. An error answered before the request body was read stops the handler from
// reading it; the rest is discarded briefly, then the connection is cut (see lingerThenCut).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { SyncError, httpStatusOf, toErrorData, type ErrorCode } from '../../shared/common/errors.js';
import type { ErrorBody } from '../../shared/common/protocol.js';

/** A SyncError that also fixes its HTTP status (405, say, which has no code of its own). */
export class HttpError extends SyncError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    /** Extra answer headers (Retry-After of a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length });
  res.end(payload);
}

/**
 * Sends `error` as an error body; unexpected errors are logged and answered 500 with no
 * detail. `hide` are server paths (the data dir) that no message may show a client: they
 * are replaced by "<data>".
 */
export function sendError(req: IncomingMessage, res: ServerResponse, error: unknown, hide: readonly string[] = []): void {
  if (res.headersSent) {
    // Part of a body is out already (or the client left mid-download): the only honest
    // signal left is a cut connection.
    res.destroy();
    return;
  }
  const data = toErrorData(isDiskFull(error) ? new SyncError('disk_full', `${req.method} ${req.url?.split('?')[0]}: disk full`) : error);
  const status = error instanceof HttpError ? error.status : httpStatusOf(data.code);
  if (status === 500) {
    console.error(`server: ${req.method} ${req.url}:`, error);
    data.message = `${req.method} ${req.url?.split('?')[0]}: internal error (the server logged the details)`;
  }
  for (const path of hide) if (path) data.message = data.message.split(path).join('<data>');
  if (error instanceof HttpError) for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const body: ErrorBody = { error: data };
  if (!req.complete && data.code !== 'too_large' && declaredUpTo(req, LINGER_BYTES)) {
    // A body of known, modest size (a block, a batch) is read to its end before answering:
    // a client still sending then always sees the answer, and the connection stays usable.
    void drained(req).then((whole) => {
      if (!whole) lingerThenCut(req, res);
      sendJson(res, status, body);
    });
    return;
  }
  if (!req.complete) lingerThenCut(req, res);
  sendJson(res, status, body);
}

function declaredUpTo(req: IncomingMessage, limit: number): boolean {
  const length = Number(req.headers['content-length']);
  return Number.isSafeInteger(length) && length <= limit;
}

/** Reads and drops the rest of the body; true once it ended, false if it did not in time. */
function drained(req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (whole: boolean) => {
      clearTimeout(timer);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(whole);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(req.complete);
    const timer = setTimeout(() => finish(false), LINGER_MS);
    timer.unref();
    req.on('end', onEnd);
    req.on('close', onClose);
    req.resume();
  });
}

/** Bytes and time an unwanted body is discarded for after an early error answer. */
const LINGER_BYTES = 8 * 1024 * 1024;
const LINGER_MS = 2000;

/**
 * A "lingering close". Node closes the connection as soon as an answer to a half-read
 * request is written, and closing a socket with unread bytes makes the kernel send a
 * reset, which can destroy the answer in the client's receive buffer before it is read.
 * So the socket is only half-closed (FIN after the answer), the rest of the body is read
 * and dropped for at most LINGER_BYTES or LINGER_MS, and then the socket is destroyed.
 */
function lingerThenCut(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  res.setHeader('connection', 'close');
  socket.destroySoon = () => socket.end();
  res.on('finish', () => {
    let discarded = 0;
    const cut = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(cut, LINGER_MS);
    timer.unref();
    socket.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_BYTES) cut();
    });
    socket.on('end', cut);
    socket.on('close', () => clearTimeout(timer));
    req.resume();
    socket.resume();
  });
}

/** ENOSPC from a file write, or SQLite's own "database or disk is full". */
function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'SQLITE_FULL';
}
