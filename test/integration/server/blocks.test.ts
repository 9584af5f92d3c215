// Block service against a real `hsync server` process: upload, download, dedup, ownership
// across users, the batch route, and every error status of the block routes.

import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { batchBody, block, call, rawRequest, sha256 } from './http.js';

const MiB = 1024 * 1024;

describe('block service', () => {
  let server: ServerProcess;
  let alice: string;
  let bob: string;

  before(async () => {
    server = await startServerProcess();
    [alice, bob] = await Promise.all([server.addUser('alice'), server.addUser('bob')]);
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
    await server.dispose();
  });

  it('stores a block, returns its bytes, and answers 200 for a repeat upload', async () => {
    const { bytes, hash } = block(4 * MiB);
    const first = await call(server.url, 'PUT', `/v1/blocks/${hash}`, alice, bytes);
    assert.equal(first.status, 201);
    const again = await call(server.url, 'PUT', `/v1/blocks/${hash}`, alice, bytes);
    assert.equal(again.status, 200);
    const got = await call(server.url, 'GET', `/v1/blocks/${hash}`, alice);
    assert.equal(got.status, 200);
    assert.equal(sha256(got.body), hash);
    assert.equal(got.body.length, bytes.length);
    // On disk: one loose file named by its hash, holding exactly these bytes.
    const names = await readdir(join(server.dataDir, 'blocks', hash.slice(0, 2)));
    assert.deepEqual(names, [hash]);
  });

  it('serves a just-uploaded block from reused buffers, and refuses it once its file is rewritten', async () => {
    const blocks = Array.from({ length: 12 }, () => block(4 * MiB - 1000));
    for (const b of blocks) assert.equal((await call(server.url, 'PUT', `/v1/blocks/${b.hash}`, alice, b.bytes)).status, 201);
    // More GETs at once than the server keeps spare buffers: every answer has its own bytes.
    const answers = await Promise.all(blocks.map((b) => call(server.url, 'GET', `/v1/blocks/${b.hash}`, alice)));
    answers.forEach((got, i) => assert.equal(sha256(got.body), blocks[i].hash));
    // Seconds after the upload, a rewrite in place (same size, one bit off) is still caught.
    const victim = blocks[3];
    const rotten = Buffer.from(victim.bytes);
    rotten[12345] ^= 0x10;
    await writeFile(join(server.dataDir, 'blocks', victim.hash.slice(0, 2), victim.hash), rotten);
    const refused = await call(server.url, 'GET', `/v1/blocks/${victim.hash}`, alice);
    assert.notEqual(refused.status, 200);
    assert.match(String(refused.body), /hash/);
  });

  it('keeps one copy of a block two users upload, and each owns it only after uploading', async () => {
    const { bytes, hash } = block(100_000);
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${hash}`, alice, bytes)).status, 201);
    // Bob knows the hash but never sent the bytes: the same 404 as for a block nobody has.
    const stolen = await call(server.url, 'GET', `/v1/blocks/${hash}`, bob);
    const nobody = await call(server.url, 'GET', `/v1/blocks/${'0'.repeat(64)}`, bob);
    assert.equal(stolen.status, 404);
    assert.equal(nobody.status, 404);
    assert.deepEqual(stolen.json().error.code, nobody.json().error.code);
    assert.deepEqual((await call(server.url, 'POST', '/v1/blocks/missing', bob, { hashes: [hash] })).json(), { missing: [hash] });
    // Bob proves possession by uploading; storage stays one file.
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${hash}`, bob, bytes)).status, 201);
    assert.equal(sha256((await call(server.url, 'GET', `/v1/blocks/${hash}`, bob)).body), hash);
    assert.deepEqual(await readdir(join(server.dataDir, 'blocks', hash.slice(0, 2))).then((n) => n.filter((x) => x === hash)), [hash]);
  });

  it('lists only the blocks this namespace must still upload', async () => {
    const a = block(10);
    const b = block(20);
    await call(server.url, 'PUT', `/v1/blocks/${a.hash}`, bob, a.bytes);
    const answer = await call(server.url, 'POST', '/v1/blocks/missing', bob, { hashes: [a.hash, b.hash, b.hash] });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json(), { missing: [b.hash] });
    assert.equal((await call(server.url, 'POST', '/v1/blocks/missing', bob, { hashes: ['nope'] })).status, 400);
    assert.equal((await call(server.url, 'POST', '/v1/blocks/missing', bob, { hash: [] })).status, 400);
  });

  it('stores many small blocks from one batch request, readable one by one', async () => {
    const records = Array.from({ length: 300 }, (_, i) => block(1 + i * 13));
    records.push(records[0]); // a repeat inside the batch is stored once
    const answer = await call(server.url, 'POST', '/v1/blocks/batch', alice, batchBody(records));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json().stored, records.map((r) => r.hash));
    for (const r of [records[0], records[150], records[299]]) {
      const got = await call(server.url, 'GET', `/v1/blocks/${r.hash}`, alice);
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(r.bytes));
    }
    assert.deepEqual((await call(server.url, 'POST', '/v1/blocks/missing', alice, { hashes: records.map((r) => r.hash) })).json(), { missing: [] });
    assert.equal((await call(server.url, 'POST', '/v1/blocks/batch', alice, Buffer.alloc(0))).json().stored.length, 0);
  });

  it('stores the records before a bad one and names the bad one', async () => {
    const good = [block(50), block(60)];
    const bad = block(70);
    const after = block(80);
    const body = batchBody([...good, { hash: sha256(Buffer.from('other')), bytes: bad.bytes }, after]);
    const answer = await call(server.url, 'POST', '/v1/blocks/batch', bob, body);
    assert.equal(answer.status, 422);
    assert.equal(answer.json().error.code, 'hash_mismatch');
    assert.match(answer.json().error.message, /record 2\b/);
    const missing = await call(server.url, 'POST', '/v1/blocks/missing', bob, { hashes: [...good, after].map((r) => r.hash) });
    assert.deepEqual(missing.json().missing, [after.hash]);

    const cut = batchBody([block(10)]).subarray(0, 20);
    const short = await call(server.url, 'POST', '/v1/blocks/batch', bob, cut);
    assert.equal(short.status, 400);
    assert.match(short.json().error.message, /record 0/);

    const huge = Buffer.alloc(36);
    huge.writeUInt32BE(5 * MiB, 32);
    assert.equal((await call(server.url, 'POST', '/v1/blocks/batch', bob, huge)).status, 413);
  });

  it('refuses bytes that do not match the hash and stores nothing', async () => {
    const { bytes } = block(1000);
    const claimed = sha256(Buffer.from('something else'));
    const answer = await call(server.url, 'PUT', `/v1/blocks/${claimed}`, alice, bytes);
    assert.equal(answer.status, 422);
    assert.equal(answer.json().error.code, 'hash_mismatch');
    assert.equal((await call(server.url, 'GET', `/v1/blocks/${claimed}`, alice)).status, 404);
    assert.ok(!(await readdir(join(server.dataDir, 'blocks', claimed.slice(0, 2)))).includes(claimed));
    assert.deepEqual(await readdir(join(server.dataDir, 'tmp')), []);
  });

  it('answers 400 for a malformed hash', async () => {
    for (const bad of ['abc', 'A'.repeat(64), 'g'.repeat(64), `${'a'.repeat(64)}0`]) {
      const answer = await call(server.url, 'PUT', `/v1/blocks/${bad}`, alice, Buffer.from('x'));
      assert.equal(answer.status, 400, bad);
      assert.equal(answer.json().error.code, 'bad_request');
      assert.equal((await call(server.url, 'GET', `/v1/blocks/${bad}`, alice)).status, 400);
    }
  });

  it('answers 413 to a declared length over 4 MiB without waiting for the body', async () => {
    const hash = 'a'.repeat(64);
    // Only 1 KiB of the declared 5 MiB is ever sent: an answer proves nothing more was awaited.
    const answer = await rawRequest(server.url, 'PUT', `/v1/blocks/${hash}`, { authorization: `Bearer ${alice}`, 'content-length': 5 * MiB }, [Buffer.alloc(1024)]);
    assert.equal(answer.status, 413);
    assert.equal(JSON.parse(answer.body).error.code, 'too_large');
  });

  it('answers 413 to a chunked body once it passes 4 MiB, storing nothing', async () => {
    const { hash } = block(1);
    const chunks = function* () {
      for (let i = 0; i < 64; i++) yield Buffer.alloc(MiB / 8, i); // 8 MiB offered in all
    };
    const answer = await rawRequest(server.url, 'PUT', `/v1/blocks/${hash}`, { authorization: `Bearer ${alice}` }, chunks());
    assert.equal(answer.status, 413);
    assert.deepEqual(await readdir(join(server.dataDir, 'tmp')), []);
    // Exactly 4 MiB is fine.
    const exact = block(4 * MiB);
    const ok = await rawRequest(server.url, 'PUT', `/v1/blocks/${exact.hash}`, { authorization: `Bearer ${alice}` }, [exact.bytes.subarray(0, MiB), exact.bytes.subarray(MiB)]);
    assert.equal(ok.status, 201);
  });

  it('answers 401 without a token or with a wrong one, on every route but health', async () => {
    const routes: [string, string][] = [
      ['GET', `/v1/blocks/${'a'.repeat(64)}`],
      ['PUT', `/v1/blocks/${'a'.repeat(64)}`],
      ['POST', '/v1/blocks/missing'],
      ['POST', '/v1/blocks/batch'],
      ['GET', '/v1/account'],
      ['POST', '/v1/commit'],
      ['GET', '/v1/list'],
      ['GET', '/v1/longpoll?cursor=0&timeout=0'],
      ['GET', '/v1/revisions?path=a'],
      ['POST', '/v1/restore'],
    ];
    for (const [method, path] of routes) {
      for (const token of [undefined, 'wrong-token', `${alice}x`]) {
        const answer = await call(server.url, method, path, token, method === 'GET' ? undefined : {});
        assert.equal(answer.status, 401, `${method} ${path} with ${token}`);
        assert.equal(answer.json().error.code, 'unauthorized');
      }
    }
    const health = await call(server.url, 'GET', '/v1/health');
    assert.equal(health.status, 200);
    assert.equal(health.json().ok, true);
    assert.match(health.json().serverId, /^[0-9a-f-]{36}$/);
  });

  it('answers 404 for unknown routes and 405 for a wrong method', async () => {
    assert.equal((await call(server.url, 'GET', '/v1/nothing', alice)).status, 404);
    const wrong = await call(server.url, 'DELETE', `/v1/blocks/${'a'.repeat(64)}`, alice);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.json().error.code, 'bad_request');
    assert.equal((await call(server.url, 'POST', '/v1/blocks/missing', alice, Buffer.from('{not json'))).status, 400);
  });
});
