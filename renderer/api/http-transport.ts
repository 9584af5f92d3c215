// The browser transport: POST /api/<method> and a server-sent event stream, both with the
// per-run token as a bearer header. The token arrives in the URL fragment (never sent to a
// server, never in a Referer); the page moves it to sessionStorage and clears the fragment,
// so it does not linger in the address bar or history. The event stream is read with fetch,
// not EventSource, because EventSource cannot send a header.

import type { ApiResult, SyncStatus } from '../../shared/common/sync-api.js';
import type { Transport } from './transport.js';

const TOKEN_KEY = 'hybrid-sync-token';

export function takeToken(loc: Location, storage: Storage = sessionStorage): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(loc.hash);
  if (match) {
    storage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', loc.pathname + loc.search);
    return match[1];
  }
  return storage.getItem(TOKEN_KEY);
}

export function httpTransport(loc: Location): Transport {
  const token = takeToken(loc);
  const headers = { authorization: `Bearer ${token ?? ''}` };

  return {
    async call(method, args) {
      if (!token) return { ok: false, error: { code: 'unauthorized', message: 'this page has no access token' } };
      try {
        const res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(args),
        });
        return (await res.json()) as ApiResult<unknown>;
      } catch {
        return { ok: false, error: { code: 'unavailable', message: 'the Hybrid Sync client is not answering' } };
      }
    },

    watch(onStatus, onConnection) {
      if (!token) {
        onConnection('no-token');
        return () => {};
      }
      let stopped = false;
      let controller = new AbortController();
      let delay = 500;

      const loop = async () => {
        while (!stopped) {
          onConnection('connecting');
          try {
            const res = await fetch('/api/events', { headers, signal: controller.signal, cache: 'no-store' });
            if (res.status === 401 || res.status === 403) {
              onConnection('no-token');
              return;
            }
            if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
            await readEvents(res.body, (event, data) => {
              if (event === 'status') {
                delay = 500;
                onConnection('connected');
                onStatus(JSON.parse(data) as SyncStatus);
              }
            });
          } catch {
            // fall through to reconnect
          }
          if (stopped) return;
          onConnection('lost');
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 5000);
          controller = new AbortController();
        }
      };
      void loop();
      return () => {
        stopped = true;
        controller.abort();
      };
    },
  };
}

/** Parses a text/event-stream body into (event, data) pairs until it ends. */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: string, data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
    }
  }
}
