// Reading request bodies with a size limit: a declared Content-Length over the limit is
// refused before any byte is read; a chunked body is cut at limit + 1 bytes. A body that
// stalls (no byte for BODY_IDLE_MS) is answered 408, so a client trickling nothing cannot
// hold its slot and buffers for long.

import type { IncomingMessage } from 'node:http';
import { SyncError } from '../../shared/common/errors.js';
import { BODY_IDLE_MS } from '../../shared/common/limits.js';
import { HttpError } from './respond.js';

/**
 * The body's chunks. Unlike `for await (… of req)`, leaving the loop early (a limit, a bad
 * hash) does not destroy the socket, so the error answer can still be sent on it.
 */
export async function* chunksOf(req: IncomingMessage, idleMs = BODY_IDLE_MS): AsyncGenerator<Buffer> {
  const chunks = (req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HttpError(408, 'bad_request', `${req.method} ${req.url?.split('?')[0]}: no body bytes for ${idleMs / 1000} s`)), idleMs);
      });
      let step: IteratorResult<Buffer>;
      try {
        step = await Promise.race([chunks.next(), stalled]);
      } finally {
        clearTimeout(timer);
      }
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    // Leaving early (a limit, a bad hash) ends the iteration without destroying the socket.
    if (!finished) void chunks.return?.();
  }
}

/** Content-Length when given; throws 'too_large' at once when it exceeds `limit`. */
export function declaredLength(req: IncomingMessage, limit: number, what: string): number | null {
  const header = req.headers['content-length'];
  if (header === undefined) return null;
  const length = Number(header);
  if (length > limit) throw new SyncError('too_large', `${what}: ${length} bytes is over the limit of ${limit}`);
  return length;
}

/** The whole body, at most `limit` bytes; a client that disconnects makes this throw. */
export async function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  declaredLength(req, limit, what);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of chunksOf(req)) {
    total += chunk.length;
    if (total > limit) throw new SyncError('too_large', `${what}: body is over the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

/** A JSON object body, at most `limit` bytes. */
export async function readJson(req: IncomingMessage, limit: number, what: string): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit, what);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SyncError('bad_request', `${what}: body is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SyncError('bad_request', `${what}: body must be a JSON object`);
  }
  return value as Record<string, unknown>;
}
