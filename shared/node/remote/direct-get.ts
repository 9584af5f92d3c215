// GETs whose answer body is read from the socket straight into the caller's buffer. node:http's
// client hands each socket read to JavaScript as a new 64 KiB chunk, which is then parsed,
// copied into place and collected: for a downloaded GiB that is ~16,000 allocations and most
// of the client's CPU (in-process loopback, 1 GiB: 2.0-2.7 s of CPU through node:http, 1.4 s
// with reads into the block buffer). Only what the in-house server sends for blocks is read
// this way: HTTP/1.1 answers with a Content-Length. Anything else rejects with NotDirect
// before a byte of the body is used, and the caller asks again through node:http.

import net from 'node:net';
import type { TransferCounters } from './remote-store.js';

/** The answer cannot be read directly (no Content-Length, say); ask through node:http instead. */
export class NotDirect extends Error {}

export interface DirectAnswer {
  status: number;
  /** A view of `into` for a 200 answer that fits it; a buffer of its own otherwise. */
  body: Buffer;
}

export interface DirectGetOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  counters: TransferCounters;
}

/** Status line and headers of one answer must fit in this. */
const HEAD_MAX = 16 * 1024;
/** Largest answer body read into a buffer of its own (error bodies, a block too big for `into`). */
const OWN_BODY_MAX = 8 * 1024 * 1024;

/** Keep-alive connections to one http: origin, each used by one request at a time. */
export class DirectGets {
  private readonly idle: Connection[] = [];

  constructor(
    private readonly origin: URL,
    private readonly maxIdle = 8,
  ) {}

  async get(path: string, headers: Record<string, string>, into: Buffer, options: DirectGetOptions): Promise<DirectAnswer> {
    const request = `GET ${path} HTTP/1.1\r\nHost: ${this.origin.host}\r\n${Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n`;
    let reused = this.idle.pop();
    // One the server has just ended may not have seen its 'close' yet.
    while (reused && !reused.usable) reused = this.idle.pop();
    if (reused) {
      try {
        return await this.send(reused, request, into, options);
      } catch (error) {
        // The server may close an idle connection just as it is reused: one fresh try.
        if (!(error instanceof NotAnswered)) throw error;
      }
    }
    return this.send(new Connection(this.origin, (c) => this.forget(c)), request, into, options);
  }

  /** Closes the idle connections. */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.destroy();
  }

  private async send(connection: Connection, request: string, into: Buffer, options: DirectGetOptions): Promise<DirectAnswer> {
    const answer = await connection.exchange(request, into, options);
    if (connection.reusable && this.idle.length < this.maxIdle) this.idle.push(connection);
    else connection.destroy();
    return answer;
  }

  private forget(connection: Connection): void {
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }
}

/** Failed before any byte of the answer arrived (safe to send again for a GET). */
class NotAnswered extends Error {}

class Connection {
  reusable = false;
  private readonly socket: net.Socket;
  private readonly head = Buffer.allocUnsafe(HEAD_MAX);
  private headLength = 0;
  private phase: 'idle' | 'head' | 'body' = 'idle';
  private body: Buffer = this.head;
  private bodyLength = 0;
  private filled = 0;
  private pending: {
    resolve(answer: DirectAnswer): void;
    reject(error: Error): void;
    into: Buffer;
    status: number;
    counters: TransferCounters;
    done(): void;
  } | null = null;

  constructor(origin: URL, onClose: (c: Connection) => void) {
    this.socket = net.connect({
      host: origin.hostname,
      port: Number(origin.port || 80),
      noDelay: true,
      // Each read lands in the buffer this returns: the head buffer until the body's place is known.
      onread: { buffer: () => this.readInto(), callback: (n: number) => (this.onRead(n), true) },
    });
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('timeout', () => this.fail(new Error('timed out')));
    this.socket.on('close', () => {
      this.fail(new Error('connection closed'));
      onClose(this);
    });
  }

  exchange(request: string, into: Buffer, options: DirectGetOptions): Promise<DirectAnswer> {
    return new Promise<DirectAnswer>((resolve, reject) => {
      if (options.signal?.aborted) return reject(new Error('aborted'));
      const abort = () => this.fail(new Error('aborted'));
      options.signal?.addEventListener('abort', abort, { once: true });
      this.socket.setTimeout(options.timeoutMs);
      this.pending = {
        resolve,
        reject,
        into,
        status: 0,
        counters: options.counters,
        done: () => {
          options.signal?.removeEventListener('abort', abort);
          this.socket.setTimeout(0);
        },
      };
      this.phase = 'head';
      this.headLength = 0;
      this.reusable = false;
      options.counters.sentBytes += request.length;
      this.socket.write(request, 'latin1');
    });
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readInto(): Buffer {
    return this.phase === 'body' ? this.body.subarray(this.filled, this.bodyLength) : this.head.subarray(this.headLength);
  }

  private onRead(n: number): void {
    const pending = this.pending;
    if (!pending) return void this.socket.destroy(); // bytes nobody asked for: out of step
    pending.counters.receivedBytes += n;
    if (this.phase === 'body') {
      this.filled += n;
      if (this.filled === this.bodyLength) this.finish();
      return;
    }
    this.headLength += n;
    const end = this.head.subarray(0, this.headLength).indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.headLength === HEAD_MAX) this.fail(new NotDirect('answer head over 16 KiB'));
      return;
    }
    const parsed = parseHead(this.head.toString('latin1', 0, end));
    if (parsed instanceof Error) return this.fail(parsed);
    const { status, length, keepAlive } = parsed;
    if (status === 200 && length <= pending.into.length) this.body = pending.into;
    else if (length <= OWN_BODY_MAX) this.body = Buffer.allocUnsafe(length);
    else return this.fail(new Error(`answer of ${length} bytes is too big`));
    const early = this.headLength - (end + 4);
    if (early > length) return this.fail(new Error('answer longer than its Content-Length'));
    this.head.copy(this.body, 0, end + 4, this.headLength);
    pending.status = status;
    this.reusable = keepAlive;
    this.bodyLength = length;
    this.filled = early;
    this.phase = 'body';
    if (this.filled === this.bodyLength) this.finish();
  }

  private finish(): void {
    const pending = this.pending!;
    this.pending = null;
    this.phase = 'idle';
    this.headLength = 0;
    pending.done();
    pending.resolve({ status: pending.status, body: this.body.subarray(0, this.bodyLength) });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.reusable = false;
    this.socket.destroy();
    if (!pending) return;
    const unanswered = this.phase === 'head' && this.headLength === 0 && !(error instanceof NotDirect);
    this.pending = null;
    this.phase = 'idle';
    pending.done();
    pending.reject(unanswered ? new NotAnswered(error.message) : error);
  }
}

/** Status, body length and whether the connection stays open; an Error for what cannot be read directly. */
function parseHead(text: string): { status: number; length: number; keepAlive: boolean } | Error {
  const [statusLine, ...lines] = text.split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine + ' ');
  if (!status) return new NotDirect(`unexpected status line "${statusLine.slice(0, 80)}"`);
  let length = -1;
  let keepAlive = true;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value) || (length >= 0 && Number(value) !== length)) return new NotDirect(`bad Content-Length "${value}"`);
      length = Number(value);
    } else if (name === 'transfer-encoding') return new NotDirect(`Transfer-Encoding ${value}`);
    else if (name === 'connection' && /\bclose\b/i.test(value)) keepAlive = false;
  }
  if (length < 0) return new NotDirect('no Content-Length');
  return { status: Number(status[1]), length, keepAlive };
}
