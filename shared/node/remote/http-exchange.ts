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
}

export interface Exchanged {
  status: number;
  body: Buffer;
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
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          counters.receivedBytes += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
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
