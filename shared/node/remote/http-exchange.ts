// One HTTP request with a Buffer body and a buffered answer, counting the bytes that cross
// the socket. Network failures, timeouts and truncated answers reject with a plain Error;
// callers map them to SyncError with their own subject.

import http from 'node:http';
import https from 'node:https';
import type { TransferCounters } from './remote-store.js';

export interface ExchangeOptions {
  method: string;
  agent: http.Agent;
  headers: http.OutgoingHttpHeaders;
  body?: Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
  counters: TransferCounters;
  /**
   * A buffer for a 200 answer's body when its Content-Length fits: the body is then a view of
   * it. Callers reuse one per request in flight, so a 4 MiB block costs no fresh allocation
   * (whose page faults and garbage cost more than the copy itself).
   */
  bodyInto?: Buffer;
}

export interface Exchanged {
  status: number;
  body: Buffer;
  /** The Retry-After header, when the answer has one (429, 503). */
  retryAfter?: string;
}

export function exchange(target: URL, options: ExchangeOptions): Promise<Exchanged> {
  const transport = target.protocol === 'https:' ? https : http;
  const { body, counters } = options;
  return new Promise<Exchanged>((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: options.method,
        agent: options.agent,
        signal: options.signal,
        headers: body ? { ...options.headers, 'content-length': body.length } : options.headers,
      },
      (res) => {
        const length = Number(res.headers['content-length']);
        const into = options.bodyInto;
        if (into && res.statusCode === 200 && Number.isSafeInteger(length) && length <= into.length) {
          let filled = 0;
          res.on('data', (chunk: Buffer) => {
            counters.receivedBytes += chunk.length;
            if (filled + chunk.length > length) return res.destroy(new Error('answer longer than its Content-Length'));
            chunk.copy(into, filled);
            filled += chunk.length;
          });
          res.on('end', () => (filled === length ? resolve({ status: 200, body: into.subarray(0, length) }) : reject(new Error('response truncated'))));
          res.on('error', reject);
          res.on('aborted', () => reject(new Error('response truncated')));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          counters.receivedBytes += chunk.length;
        });
        const retryAfter = res.headers['retry-after'];
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ...(retryAfter === undefined ? {} : { retryAfter }) }));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response truncated')));
      },
    );
    req.setTimeout(options.timeoutMs, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    if (body) counters.sentBytes += body.length;
    req.end(body);
  });
}
