// A hostile server for tests: a proxy on 127.0.0.1 in front of a real server that passes
// every request through and lets the test rewrite the answers of GET /v1/list.

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListResponse } from '../../shared/common/protocol.js';

export interface JournalProxy {
  url: string;
  /** Lists asked through the proxy so far. */
  lists: number;
  close(): Promise<void>;
}

/** `rewrite` gets each list answer and the cursor it was asked from, and returns what to send. */
export async function journalProxy(upstream: string, rewrite: (page: ListResponse, cursor: number) => unknown): Promise<JournalProxy> {
  const target = new URL(upstream);
  const proxy: JournalProxy = { url: '', lists: 0, close: () => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    const isList = req.method === 'GET' && req.url?.startsWith('/v1/list');
    const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (!isList || answer.statusCode !== 200) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        proxy.lists++;
        const cursor = Number(new URL(req.url!, 'http://x').searchParams.get('cursor'));
        const body = JSON.stringify(rewrite(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ListResponse, cursor));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
