// The client's JSON metadata and control calls (commit, list, long-poll, block URLs, confirm,
// stats, account, revisions, restore, missing) over got: keep-alive sockets shared with the
// block transfers, an idle timeout per request (a long-poll sets its own), busy answers asked
// again by got's retry with the delay busy-retry.ts computes, and the bytes of every attempt
// counted by hooks. Block bytes do not come here: http-exchange.ts and direct-get.ts move
// them (README.md "Architecture" has the measured reason).

import type http from 'node:http';
import type https from 'node:https';
import got, { type Got, type Method } from 'got';
import { busyPauseSec } from './busy-retry.js';
import type { TransferCounters } from './remote-store.js';

export interface JsonCallsOptions {
  agent: http.Agent;
  token: string;
  /** Idle timeout of a request with no timeout of its own. */
  timeoutMs: number;
  counters: TransferCounters;
}

export interface JsonCall {
  method: string;
  url: URL;
  body?: Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface JsonAnswer {
  status: number;
  body: Buffer;
}

/** Per request, kept across its retries (got reuses a request's options when it asks again). */
interface CallContext extends Record<string, unknown> {
  busyWaitedSec: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export class JsonCalls {
  private readonly got: Got;

  constructor(private readonly options: JsonCallsOptions) {
    const { counters } = options;
    this.got = got.extend({
      agent: { http: options.agent, https: options.agent as https.Agent },
      headers: { authorization: `Bearer ${options.token}`, 'user-agent': 'hsync' },
      // Every answer comes back as it is: HttpRemote maps statuses to SyncError codes.
      throwHttpErrors: false,
      followRedirect: false,
      decompress: false, // the counted bytes are the ones on the wire
      responseType: 'buffer',
      retry: {
        limit: Number.POSITIVE_INFINITY, // busyPauseSec bounds the total wait
        methods: ['GET', 'POST', 'PUT', 'DELETE'], // a busy answer means nothing was done
        statusCodes: [429, 503],
        errorCodes: [], // an unreachable server is the engine's to retry (offline backoff, S3 fallback)
        calculateDelay: ({ error, computedValue }) => {
          if (computedValue === 0 || !error.response) return 0;
          const context = error.options.context as CallContext;
          const header = error.response.headers['retry-after'];
          const pause = busyPauseSec(error.response.statusCode, Array.isArray(header) ? header[0] : header, context.busyWaitedSec);
          context.busyWaitedSec += pause;
          return pause * 1000;
        },
      },
      hooks: {
        // Once per attempt, retries included.
        beforeRequest: [(call) => void (counters.sentBytes += Buffer.isBuffer(call.body) ? call.body.length : 0)],
        afterResponse: [
          (response) => {
            counters.receivedBytes += response.rawBody?.length ?? 0;
            return response;
          },
        ],
      },
    });
  }

  /** One call; resolves with any status, rejects (got's RequestError) on a network failure, timeout, abort or cut answer. */
  async call(call: JsonCall): Promise<JsonAnswer> {
    const context: CallContext = { busyWaitedSec: 0 };
    const response = await this.got(call.url, {
      method: call.method as Method,
      body: call.body,
      headers: call.body ? JSON_HEADERS : undefined,
      timeout: { socket: call.timeoutMs ?? this.options.timeoutMs },
      signal: call.signal,
      context,
    });
    return { status: response.statusCode, body: response.rawBody };
  }
}
