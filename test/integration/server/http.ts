// Small HTTP helpers for the server tests: JSON calls with a token, block bytes, and
// requests sent by hand when a test needs a body cut short or oversized.

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

export interface Answer {
  status: number;
  body: Buffer;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Random bytes and their hash. */
export function block(size: number): { bytes: Buffer; hash: string } {
  const bytes = randomBytes(size);
  return { bytes, hash: sha256(bytes) };
}

export async function call(url: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let payload: Uint8Array<ArrayBuffer> | undefined;
  if (Buffer.isBuffer(body)) {
    payload = new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
    headers['content-type'] = 'application/octet-stream';
  } else if (body !== undefined) {
    payload = new TextEncoder().encode(JSON.stringify(body));
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(url + path, { method, headers, body: payload });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body: bytes, json: () => JSON.parse(bytes.toString('utf8')) };
}

/** How many long-polls of the token's namespace wait on the server now (GET /v1/account). */
export async function waitingLongpolls(url: string, token: string): Promise<number> {
  return (await call(url, 'GET', '/v1/account', token)).json().waitingLongpolls;
}

/** Batch body: [32-byte hash][uint32 BE length][bytes] per record. */
export function batchBody(records: { hash: string; bytes: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const { hash, bytes } of records) {
    const header = Buffer.alloc(36);
    header.write(hash, 0, 32, 'hex');
    header.writeUInt32BE(bytes.length, 32);
    parts.push(header, bytes);
  }
  return Buffer.concat(parts);
}

/**
 * Sends headers and then `chunks` by hand (no Content-Length unless given: chunked), and
 * resolves with the status the server answers, even if it answers before the body is done.
 */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  chunks: Iterable<Buffer>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + path, { method, headers, agent: false });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body}));
      res.on('error', reject);
    });
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // Writing into a connection the server closed after answering is expected here, as
      // long as the answer arrives; without one, the error is the result.
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
      else setTimeout(() => answered || reject(error), 1000);
    });
    const write = async () => {
      for (const chunk of chunks) {
        if (req.destroyed) return;
        if (req.write(chunk)) continue;
        await new Promise<void>((resolve) => {
          const done = () => {
            req.off('drain', done);
            req.off('close', done);
            resolve();
          };
          req.on('drain', done);
          req.on('close', done);
        });
      }
      req.end();
    };
    void write();
  });
}
