// HttpRemote.getBlock into a caller's reused buffer: the right bytes come back as a view of
// that buffer; an answer cut short, one longer than it announced, or wrong bytes are refused.

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
  let answer: 'good' | 'cut' | 'long' | 'wrong' = 'good';
  before(async () => {
    server = createServer((req, res) => {
      if (answer === 'good') return res.writeHead(200, { 'content-length': good.length }).end(good);
      if (answer === 'wrong') return res.writeHead(200, { 'content-length': good.length }).end(randomBytes(good.length));
      if (answer === 'cut') {
        res.writeHead(200, { 'content-length': good.length });
        res.write(good.subarray(0, 1000), () => res.destroy());
        return;
      }
      // More bytes than announced, sent raw past the HTTP framing.
      req.socket.end(`HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n${'x'.repeat(5000)}`);
    });
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
