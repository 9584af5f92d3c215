// POST /v1/blocks/get against a real `hsync server` process: many blocks in one framed
// answer, ownership, unknown hashes, bad input, a corrupt block on the server's disk; and
// HttpRemote.getBlocks refusing answers that arrive cut short or garbled.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { batchBody, block, call, sha256 } from './http.js';

const ABSENT = 0xffffffff;

/** The answer split by hand (not by the client code under test): [hash, bytes | null] per record. */
function records(body: Buffer): [string, Buffer | null][] {
  const out: [string, Buffer | null][] = [];
  let offset = 0;
  while (offset < body.length) {
    const hash = body.toString('hex', offset, offset + 32);
    const length = body.readUInt32BE(offset + 32);
    offset += 36;
    if (length === ABSENT) out.push([hash, null]);
    else {
      out.push([hash, body.subarray(offset, offset + length)]);
      offset += length;
    }
  }
  assert.equal(offset, body.length, 'records fill the body exactly');
  return out;
}

describe('multi-block read (POST /v1/blocks/get)', () => {
  let server: ServerProcess;
  let alice: string;
  let bob: string;
  const small = Array.from({ length: 300 }, (_, i) => block(1000 + i));
  const loose = block(200_000);

  before(async () => {
    server = await startServerProcess();
    [alice, bob] = await Promise.all([server.addUser('alice'), server.addUser('bob')]);
    // Two batches (two packs) and one loose block.
    assert.equal((await call(server.url, 'POST', '/v1/blocks/batch', alice, batchBody(small.slice(0, 150)))).status, 200);
    assert.equal((await call(server.url, 'POST', '/v1/blocks/batch', alice, batchBody(small.slice(150)))).status, 200);
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${loose.hash}`, alice, loose.bytes)).status, 201);
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
    await server.dispose();
  });

  it('answers every owned block in request order, across packs and loose files, repeats included', async () => {
    // Out of pack order, both packs interleaved, a repeat, and the loose block.
    const asked = [small[299], small[0], loose, small[150], small[7], small[0], ...small.slice(20, 140)];
    const answer = await call(server.url, 'POST', '/v1/blocks/get', alice, { hashes: asked.map((b) => b.hash) });
    assert.equal(answer.status, 200);
    const got = records(answer.body);
    assert.deepEqual(
      got.map(([hash]) => hash),
      asked.map((b) => b.hash),
    );
    got.forEach(([hash, bytes], i) => {
      assert.ok(bytes, `record ${i} present`);
      assert.equal(sha256(bytes), hash);
      assert.ok(bytes.equals(asked[i].bytes));
    });
  });

  it('answers absent for blocks the namespace does not own and for unknown hashes, alike', async () => {
    const unknown = '0'.repeat(64);
    const answer = await call(server.url, 'POST', '/v1/blocks/get', bob, { hashes: [small[0].hash, unknown] });
    assert.equal(answer.status, 200);
    assert.deepEqual(records(answer.body), [
      [small[0].hash, null],
      [unknown, null],
    ]);
    // Alice's answer for the unknown hash is the same absent record, next to a present block.
    const mine = records((await call(server.url, 'POST', '/v1/blocks/get', alice, { hashes: [unknown, small[1].hash] })).body);
    assert.deepEqual(mine[0], [unknown, null]);
    assert.ok(mine[1][1]?.equals(small[1].bytes));
  });

  it('refuses bad input with a clear error', async () => {
    const bad = async (body: unknown, token = alice) => {
      const answer = await call(server.url, 'POST', '/v1/blocks/get', token, body);
      return [answer.status, answer.json().error.code, answer.json().error.message as string] as const;
    };
    assert.deepEqual((await bad({ hashes: 'x' })).slice(0, 2), [400, 'bad_request']);
    const [status, code, message] = await bad({ hashes: [small[0].hash, 'ABC'] });
    assert.deepEqual([status, code], [400, 'bad_request']);
    assert.match(message, /hashes\[1\]/);
    assert.deepEqual((await bad({ hashes: Array(4097).fill(small[0].hash) })).slice(0, 2), [413, 'too_large']);
    const notJson = await call(server.url, 'POST', '/v1/blocks/get', alice, Buffer.from('{"hashes":'));
    assert.equal(notJson.status, 400);
    assert.equal((await call(server.url, 'POST', '/v1/blocks/get', undefined, { hashes: [] })).status, 401);
    // The single-block pattern does not swallow the route's name.
    assert.equal((await call(server.url, 'GET', '/v1/blocks/get', alice)).status, 400);
    const empty = await call(server.url, 'POST', '/v1/blocks/get', alice, { hashes: [] });
    assert.deepEqual([empty.status, empty.body.length], [200, 0]);
  });

  it('never sends a block whose stored bytes no longer match its hash', async () => {
    const victim = block(5000);
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${victim.hash}`, alice, victim.bytes)).status, 201);
    const flipped = Buffer.from(victim.bytes);
    flipped[100] ^= 0xff;
    await writeFile(join(server.dataDir, 'blocks', victim.hash.slice(0, 2), victim.hash), flipped);
    const got = records((await call(server.url, 'POST', '/v1/blocks/get', alice, { hashes: [small[3].hash, victim.hash] })).body);
    assert.ok(got[0][1]?.equals(small[3].bytes));
    assert.deepEqual(got[1], [victim.hash, null]);
  });

  it('HttpRemote.getBlocks returns the owned blocks, hash-checked, and leaves the rest out', async () => {
    const remote = new HttpRemote(server.url, alice);
    try {
      const unknown = '1'.repeat(64) as BlockHash;
      const asked = [...small.map((b) => b.hash as BlockHash), unknown, small[5].hash as BlockHash];
      const found = await remote.getBlocks(asked);
      assert.equal(found.size, small.length);
      for (const b of small) assert.ok(found.get(b.hash as BlockHash)?.equals(b.bytes));
      assert.equal(found.has(unknown), false);
    } finally {
      remote.close();
    }
  });
});

describe('HttpRemote.getBlocks against a misbehaving server', () => {
  let fake: Server;
  let url: string;
  let answer: (body: Buffer) => { head: number; body: Buffer };
  const a = block(3000);
  const b = block(4000);

  const frame = (hash: string, bytes: Buffer | null): Buffer => {
    const header = Buffer.alloc(36);
    header.write(hash, 0, 32, 'hex');
    header.writeUInt32BE(bytes ? bytes.length : ABSENT, 32);
    return Buffer.concat([header, bytes ?? Buffer.alloc(0)]);
  };

  before(async () => {
    fake = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { head, body } = answer(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': head });
        // A Content-Length longer than the body sent: the connection is cut mid-answer.
        if (head > body.length) res.write(body, () => res.destroy());
        else res.end(body);
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => fake.close(() => resolve())));

  const fetchBoth = async () => {
    const remote = new HttpRemote(url, 'hst_test', { timeoutMs: 5000 });
    try {
      return await remote.getBlocks([a.hash as BlockHash, b.hash as BlockHash]);
    } finally {
      remote.close();
    }
  };

  it('accepts a well-formed answer (the fake itself is sound)', async () => {
    answer = () => {
      const body = Buffer.concat([frame(a.hash, a.bytes), frame(b.hash, null)]);
      return { head: body.length, body };
    };
    const found = await fetchBoth();
    assert.deepEqual([...found.keys()], [a.hash]);
  });

  it('refuses an answer cut off mid-block', async () => {
    answer = () => {
      const body = Buffer.concat([frame(a.hash, a.bytes), frame(b.hash, b.bytes)]);
      return { head: body.length, body: body.subarray(0, body.length - 1000) };
    };
    await assert.rejects(fetchBoth(), (error: Error & { code?: string }) => error.code === 'unavailable');
  });

  it('refuses an answer whose records stop early, even with a matching length', async () => {
    answer = () => {
      const body = frame(a.hash, a.bytes);
      return { head: body.length, body };
    };
    await assert.rejects(fetchBoth(), (error: Error & { code?: string }) => error.code === 'unavailable' && /malformed/.test(error.message));
  });

  it('refuses wrong bytes under a hash, and records out of order', async () => {
    answer = () => {
      const wrong = Buffer.from(a.bytes);
      wrong[0] ^= 1;
      const body = Buffer.concat([frame(a.hash, wrong), frame(b.hash, b.bytes)]);
      return { head: body.length, body };
    };
    await assert.rejects(fetchBoth(), (error: Error & { code?: string }) => error.code === 'hash_mismatch');
    answer = () => {
      const body = Buffer.concat([frame(b.hash, b.bytes), frame(a.hash, a.bytes)]);
      return { head: body.length, body };
    };
    await assert.rejects(fetchBoth(), (error: Error & { code?: string }) => error.code === 'unavailable');
  });
});
