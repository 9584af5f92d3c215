// Plain HTTP transfers to absolute URLs handed out by the metadata service (presigned S3
// URLs, signed block-service URLs). No Authorization header: the URL is the credential.
// Bodies go out as one Buffer with a Content-Length, so what arrives is the plain bytes.

import http from 'node:http';
import https from 'node:https';
import { SyncError } from '../../common/errors.js';
import { exchange, type Exchanged } from './http-exchange.js';
import type { TransferCounters } from './remote-store.js';

export interface UrlTransferOptions {
  timeoutMs?: number;
  maxSockets?: number;
}

export class UrlTransfer {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly timeoutMs: number;

  constructor(private readonly counters: TransferCounters, options: UrlTransferOptions = {}) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** PUTs `bytes`; any non-2xx is an error ('unavailable' for 5xx and network failures). */
  async put(url: string, bytes: Uint8Array, operation: string): Promise<void> {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const res = await this.request('PUT', url, body, operation);
    if (res.status < 200 || res.status >= 300) throw statusError(res.status, operation);
  }

  /**
   * GETs the body, or only `range` of it (a block inside an S3 pack); the caller
   * hash-checks it. A store that ignores the Range header and sends the whole object is
   * cut to the range here.
   */
  async get(url: string, operation: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const headers = range ? { range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : undefined;
    const res = await this.request('GET', url, undefined, operation, headers);
    if (res.status < 200 || res.status >= 300) throw statusError(res.status, operation);
    if (range && res.status === 200) return res.body.subarray(range.offset, range.offset + range.length);
    return res.body;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private request(method: string, url: string, body: Buffer | undefined, operation: string, extra?: Record<string, string>): Promise<Exchanged> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') {
      return Promise.reject(new SyncError('bad_request', `${operation}: server handed out a non-HTTP URL`));
    }
    return exchange(target, {
      method,
      agent: secure ? this.httpsAgent : this.httpAgent,
      headers: { ...(body ? { 'content-type': 'application/octet-stream' } : {}), ...extra },
      body,
      timeoutMs: this.timeoutMs,
      counters: this.counters,
    }).catch((error: Error) => {
      throw new SyncError('unavailable', `${operation}: ${target.host} unreachable (${error.message})`, { cause: error });
    });
  }
}

function statusError(status: number, operation: string): SyncError {
  if (status === 403) return new SyncError('forbidden', `${operation}: URL refused (HTTP 403; expired or not valid)`);
  if (status === 404 || status === 416) return new SyncError('not_found', `${operation}: no such block (HTTP ${status})`);
  if (status === 507) return new SyncError('disk_full', `${operation}: storage full (HTTP 507)`);
  if (status === 422) return new SyncError('hash_mismatch', `${operation}: bytes refused (HTTP 422)`);
  if (status >= 500) return new SyncError('unavailable', `${operation}: HTTP ${status}`);
  return new SyncError('bad_request', `${operation}: HTTP ${status}`);
}
