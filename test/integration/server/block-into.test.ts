// HttpRemote.getBlock into a caller's reused buffer (read from the socket directly,
// direct-get.ts): the right bytes come back as a view of that buffer over kept-alive
// connections; an answer cut short, one longer than it announced, or wrong bytes are refused;
// answers it cannot read directly (chunked) still arrive through node:http.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';

const good = randomBytes(64 * 1024);
const hash = createHash('sha256').update(good).digest('hex') as BlockHash;

describe('getBlock into a reused buffer', () => {
  let server: Server;
  let remote: HttpRemote;
  let answer: 'good' | 'cut' | 'long' | 'wrong' | 'chunked' | 'missing' | 'silent' | 'close' = 'good';
  let connections = 0;
  before(async () => {
    server = createServer((req, res) => {
      if (answer === 'good') return res.writeHead(200, { 'content-length': good.length }).end(good);
      if (answer === 'close') return res.writeHead(200, { 'content-length': good.length, connection: 'close' }).end(good);
      if (answer === 'silent') return;
      if (answer === 'chunked') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(good.subarray(0, 1000));
        return res.end(good.subarray(1000));
      }
      if (answer === 'missing') {
        const body = JSON.stringify({ error: { code: 'not_found', message: `download block ${hash}: no such block` } });
        return res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      }
      if (answer === 'wrong') return res.writeHead(200, { 'content-length': good.length }).end(randomBytes(good.length));
      if (answer === 'cut') {
        res.writeHead(200, { 'content-length': good.length });
        res.write(good.subarray(0, 1000), () => res.destroy());
        return;
      }
      // More bytes than announced, sent raw past the HTTP framing.
      req.socket.end(`HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n${'x'.repeat(5000)}`);
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    remote = new HttpRemote(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'hst_test');
  });
  after(async () => {
    remote.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns the bytes as a view of the buffer given', async () => {
    answer = 'good';
    const into = Buffer.alloc(4 * 1024 * 1024);
    const bytes = await remote.getBlock(hash, into);
    assert.ok(bytes.equals(good));
    assert.equal(bytes.buffer, into.buffer, 'no fresh allocation');
  });

  it('keeps one connection for requests one after another, and counts the bytes', async () => {
    answer = 'good';
    const into = Buffer.alloc(good.length);
    await remote.getBlock(hash, into);
    const before = { connections, received: remote.counters.receivedBytes };
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    for (let i = 0; i < 20; i++) assert.ok((await remote.getBlock(hash, into)).equals(good));
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    assert.equal(connections, before.connections, 'no new connection');
    assert.deepEqual(warnings.map(String), [], 'no listener piles up on the kept connection');
    assert.ok(remote.counters.receivedBytes - before.received >= 20 * good.length);
  });

  it('an answer that closes its connection, or a server that drops idle ones, costs only a new connection', async () => {
    answer = 'close';
    assert.ok((await remote.getBlock(hash, Buffer.alloc(good.length))).equals(good));
    answer = 'good';
    assert.ok((await remote.getBlock(hash, Buffer.alloc(good.length))).equals(good));
    server.closeAllConnections();
    assert.ok((await remote.getBlock(hash, Buffer.alloc(good.length))).equals(good));
  });

  it('reads an answer it cannot read directly (chunked) through node:http', async () => {
    answer = 'chunked';
    assert.ok((await remote.getBlock(hash, Buffer.alloc(good.length))).equals(good));
  });

  it('passes the server\'s error on, and the connection serves the next block', async () => {
    answer = 'missing';
    await assert.rejects(remote.getBlock(hash, Buffer.alloc(good.length)), { code: 'not_found' });
    answer = 'good';
    assert.ok((await remote.getBlock(hash, Buffer.alloc(good.length))).equals(good));
  });

  it('gives up on a server that never answers', async () => {
    answer = 'silent';
    const impatient = new HttpRemote(remote.url, 'hst_test', { timeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(impatient.getBlock(hash, Buffer.alloc(good.length)), { code: 'unavailable' });
    assert.ok(Date.now() - started < 3000, `gave up after ${Date.now() - started} ms`);
    impatient.close();
  });

  it('refuses an answer cut short', async () => {
    answer = 'cut';
    await assert.rejects(remote.getBlock(hash, Buffer.alloc(good.length)), { code: 'unavailable' });
  });

  it('refuses wrong bytes', async () => {
    answer = 'wrong';
    await assert.rejects(remote.getBlock(hash, Buffer.alloc(good.length)), { code: 'hash_mismatch' });
  });

  it('never uses more bytes than announced', async () => {
    answer = 'long';
    await assert.rejects(remote.getBlock(hash, Buffer.alloc(good.length)), (error: Error & { code?: string }) => error.code === 'unavailable' || error.code === 'hash_mismatch');
  });
});
