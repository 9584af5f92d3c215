// A small TCP proxy on 127.0.0.1 between the clients and a server: it forwards bytes as
// they are, and on the fuzzer's word cuts a connection in the middle of a response, refuses
// connections (the service is "down"), or tells who asked for what (the request lines it
// sees pass), so a client can be killed while it uploads or downloads.

import { createServer, connect, type Socket } from 'node:net';

export interface Proxy {
  /** http://127.0.0.1:PORT of the proxy itself. */
  url: string;
  /** Sends new connections to this port from now on (a restarted server's). */
  retarget(port: number): void;
  /** While down, every connection is closed at once; going down closes the open ones. */
  setDown(down: boolean): void;
  /** The next response to carry more than `bytes` bytes from the arm moment is cut there (null disarms). */
  cutAfter(bytes: number | null): void;
  /** How many responses were cut so far. */
  cuts(): number;
  /** Called with "METHOD /path" for each request line seen on the way to the server. */
  onRequest(listener: ((line: string) => void) | null): void;
  close(): Promise<void>;
}

const REQUEST_LINE = /(GET|PUT|POST|DELETE|HEAD) (\/v1\/[^ ?\r\n]*)[^\r\n]* HTTP\/1\.1\r\n/g;

export async function startProxy(targetPort: number): Promise<Proxy> {
  let port = targetPort;
  let down = false;
  let cutBudget: number | null = null;
  let cutCount = 0;
  let listener: ((line: string) => void) | null = null;
  const open = new Set<Socket>();

  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(port, '127.0.0.1');
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      if (listener) for (const m of chunk.toString('latin1').matchAll(REQUEST_LINE)) listener(`${m[1]} ${m[2]}`);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutBudget !== null) {
        if (chunk.length > cutBudget) {
          const head = chunk.subarray(0, cutBudget);
          cutBudget = null;
          cutCount++;
          client.end(head, () => client.destroy());
          upstream.destroy();
          return;
        }
        cutBudget -= chunk.length;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${own}`,
    retarget: (p) => (port = p),
    setDown(value) {
      down = value;
      if (value) for (const s of open) s.destroy();
    },
    cutAfter: (bytes) => (cutBudget = bytes),
    cuts: () => cutCount,
    onRequest: (l) => (listener = l),
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
