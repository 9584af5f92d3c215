// Server-sent events of status changes. The engine's subscription says "something changed";
// this module fetches the status at most every `minIntervalMs`, and sends it only to
// streams whose last copy differs, so a busy sync cannot flood the browser. Without a
// subscription it polls while anyone listens.

import type { ServerResponse } from 'node:http';
import { toErrorData } from '../../common/errors.js';
import type { SyncStatus } from '../../common/sync-api.js';

export interface StatusSource {
  getStatus(): Promise<SyncStatus>;
  subscribe?(fn: (status?: SyncStatus) => void): () => void;
}

export class StatusStream {
  private readonly clients = new Map<ServerResponse, string>();
  private unsubscribe: (() => void) | null = null;
  private poll: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastRun = 0;
  private running = false;
  private again = false;

  constructor(
    private readonly source: StatusSource,
    private readonly minIntervalMs = 100,
  ) {}

  /** Adds a client: it gets the current status at once, then every change. */
  add(res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    this.clients.set(res, '');
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    this.start();
    this.schedule(true);
  }

  /** Ends every stream (the browser will try to reconnect and find no one). */
  close(): void {
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
    this.stop();
  }

  private start(): void {
    if (this.heartbeat) return;
    // A comment line every 15 s keeps proxies and idle timeouts from cutting the stream.
    this.heartbeat = setInterval(() => {
      for (const res of this.clients.keys()) res.write(': ping\n\n');
    }, 15_000);
    if (this.source.subscribe) this.unsubscribe = this.source.subscribe(() => this.schedule(false));
    else this.poll = setInterval(() => this.schedule(false), 500);
  }

  private stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.poll) clearInterval(this.poll);
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe?.();
    this.heartbeat = this.poll = this.timer = this.unsubscribe = null;
  }

  private schedule(now: boolean): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    const wait = now ? 0 : Math.max(0, this.lastRun + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => void this.send(), wait);
  }

  private async send(): Promise<void> {
    this.timer = null;
    this.running = true;
    this.lastRun = Date.now();
    let frame: string;
    try {
      frame = `event: status\ndata: ${JSON.stringify(await this.source.getStatus())}\n\n`;
    } catch (error) {
      frame = `event: failure\ndata: ${JSON.stringify(toErrorData(error))}\n\n`;
    }
    for (const [res, last] of this.clients) {
      if (last === frame) continue;
      this.clients.set(res, frame);
      res.write(frame);
    }
    this.running = false;
    if (this.again && this.clients.size > 0) {
      this.again = false;
      this.schedule(false);
    }
  }
}
