// UrlTransfer's ranged reads (a small block inside an S3 pack) against plain local HTTP
// servers: one that honours Range, one that ignores it and sends the whole object, and
// a range past the end.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { UrlTransfer } from '../../../shared/node/remote/url-transfer.js';

const object = randomBytes(10_000);
let base: string;
let server: http.Server;
let transfer: UrlTransfer;
const seenRanges: (string | undefined)[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    seenRanges.push(req.headers.range);
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (req.url === '/ranged' && m) {
      const [start, end] = [Number(m[1]), Number(m[2])];
      if (start >= object.length) return res.writeHead(416).end();
      const part = object.subarray(start, end + 1);
      return res.writeHead(206, { 'content-length': part.length, 'content-range': `bytes ${start}-${end}/${object.length}` }).end(part);
    }
    res.writeHead(200, { 'content-length': object.length }).end(object); // /whole ignores Range
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  transfer = new UrlTransfer({ sentBytes: 0, receivedBytes: 0 });
});
after(() => {
  transfer.close();
  server.closeAllConnections();
  server.close();
});

test('a range is asked for with a Range header and comes back exactly', async () => {
  const got = await transfer.get(`${base}/ranged`, 'test', { offset: 1234, length: 500 });
  assert.deepEqual(got, object.subarray(1234, 1734));
  assert.equal(seenRanges.at(-1), 'bytes=1234-1733');
});

test('a store that ignores Range and sends the whole object is cut to the range', async () => {
  const got = await transfer.get(`${base}/whole`, 'test', { offset: 9000, length: 1000 });
  assert.deepEqual(got, object.subarray(9000, 10_000));
});

test('a range past the end is not_found; no range reads the whole object', async () => {
  await assert.rejects(transfer.get(`${base}/ranged`, 'test', { offset: 20_000, length: 10 }), { code: 'not_found' });
  assert.deepEqual(await transfer.get(`${base}/whole`, 'test'), object);
  assert.equal(seenRanges.at(-1), undefined);
});
