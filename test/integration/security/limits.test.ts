// Limits that keep one user from hurting the rest, against a real `hsync server`: mallory
// sends an oversized commit, 1,000 long-polls, requests that stall and headers that dribble;
// each is answered with a clear error while bob keeps syncing. Pages, multi-block reads and
// error messages are bounded the same way.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import {
  BODY_IDLE_MS,
  HEADERS_TIMEOUT_MS,
  LONGPOLL_RETRY_AFTER_SEC,
  MAX_COMMIT_CHANGES,
  MAX_LONGPOLLS_PER_USER,
  MAX_PAGE_BLOCKS,
  MAX_REQUESTS_PER_USER,
  RETRY_AFTER_SEC,
} from '../../../shared/common/limits.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { block, call } from '../server/http.js';

const MiB = 1024 * 1024;

describe('limits per user', () => {
  let server: ServerProcess;
  let mallory: string;
  let bob: string;
  let bobFiles = 0;
  const big = block(4 * MiB);

  /** Bob's whole sync loop once: upload, commit, list, download. Returns how long it took. */
  const bobSyncs = async (): Promise<number> => {
    const started = Date.now();
    const b = block(2000 + bobFiles);
    const path = `bob/${bobFiles++}.txt`;
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${b.hash}`, bob, b.bytes)).status, 201);
    const put = { kind: 'put', path, parentRev: null, size: b.bytes.length, mtime: 1, blocks: [b.hash] };
    const committed = await call(server.url, 'POST', '/v1/commit', bob, { device: 'bob', changes: [put] });
    assert.equal(committed.json().results[0].status, 'committed', path);
    const listed = (await call(server.url, 'GET', `/v1/list?cursor=${committed.json().cursor - 1}`, bob)).json();
    assert.deepEqual(listed.entries.map((e: { path: string }) => e.path), [path]);
    const back = await call(server.url, 'GET', `/v1/blocks/${b.hash}`, bob);
    assert.ok(back.body.equals(b.bytes));
    return Date.now() - started;
  };

  before(async () => {
    server = await startServerProcess();
    [mallory, bob] = await Promise.all([server.addUser('mallory'), server.addUser('bob')]);
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${big.hash}`, mallory, big.bytes)).status, 201);
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
    await server.dispose();
  });

  it('an oversized commit is refused with a clear error, and bob keeps syncing', async () => {
    // 100,000 block hashes for a 10-byte file: refused before any lookup, nothing held for it.
    const fake = Array.from({ length: 100_000 }, (_, i) => i.toString(16).padStart(64, '0'));
    const many = await call(server.url, 'POST', '/v1/commit', mallory, {
      device: 'm',
      changes: [{ kind: 'put', path: 'huge.bin', parentRev: null, size: 4 * MiB + 10, mtime: 1, blocks: fake }],
    });
    assert.equal(many.status, 200);
    const [result] = many.json().results;
    assert.equal(result.status, 'rejected');
    assert.equal(result.error.code, 'bad_request');
    assert.match(result.error.message, /100000 blocks for 4194314 bytes; a file of that size has 2/);
    assert.deepEqual((await call(server.url, 'GET', '/v1/pending', mallory)).json().uploads, [], 'no pending upload announced');

    const changes = Array.from({ length: MAX_COMMIT_CHANGES + 1 }, (_, i) => ({ kind: 'delete', path: `f${i}`, parentRev: 1 }));
    const tooMany = await call(server.url, 'POST', '/v1/commit', mallory, { device: 'm', changes });
    assert.equal(tooMany.status, 413);
    assert.equal(tooMany.json().error.code, 'too_large');

    const huge = await call(server.url, 'POST', '/v1/commit', mallory, { device: 'm', changes: [], pad: 'x'.repeat(33 * MiB) });
    assert.equal(huge.status, 413);
    assert.equal(huge.json().error.code, 'too_large');
    assert.ok((await bobSyncs()) < 5000);
  });

  it('1,000 long-polls from one user: a bounded number wait, the rest get 429 with Retry-After, and bob keeps syncing', async () => {
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const polls: http.ClientRequest[] = [];
    const answers = Array.from({ length: 1000 }, () =>
      new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
        const req = http.get(`${server.url}/v1/longpoll?cursor=1000000&timeout=120`, { agent, headers: { authorization: `Bearer ${mallory}` } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
        });
        req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve({ status: 0, retryAfter: undefined, body: '' }) : reject(error)));
        polls.push(req);
      }),
    );
    const refused = answers.length - MAX_LONGPOLLS_PER_USER;
    const settled: Awaited<(typeof answers)[number]>[] = [];
    for (const answer of answers) void answer.then((a) => settled.push(a));
    // The refusals come at once; the polls let in keep waiting.
    const deadline = Date.now() + 15_000;
    while (settled.length < refused && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled.length, refused, `${settled.length} of 1000 polls answered`);
    for (const a of settled) {
      assert.equal(a.status, 429);
      assert.equal(a.retryAfter, String(LONGPOLL_RETRY_AFTER_SEC));
      assert.equal(JSON.parse(a.body).error.code, 'too_many_requests');
    }
    // Bob's own long-poll is not refused, and wakes on his commit.
    const head = (await call(server.url, 'GET', '/v1/list?cursor=0', bob)).json().cursor;
    const bobPoll = call(server.url, 'GET', `/v1/longpoll?cursor=${head}&timeout=30`, bob);
    assert.ok((await bobSyncs()) < 5000);
    assert.equal((await bobPoll).json().changes, true);
    // Mallory's waiting polls give their slots back when she hangs up.
    for (const req of polls) req.destroy();
    await Promise.all(answers);
    agent.destroy();
    let again = await call(server.url, 'GET', '/v1/longpoll?cursor=0&timeout=0', mallory);
    for (let i = 0; again.status === 429 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100)); // the server sees the hang-ups a moment later
      again = await call(server.url, 'GET', '/v1/longpoll?cursor=0&timeout=0', mallory);
    }
    assert.equal(again.status, 200);
  });

  it('requests in flight per user are capped with 429 Retry-After; the client waits and retries instead of failing', async () => {
    // Mallory holds every request slot with uploads whose bodies stall half-way.
    const stalled: Socket[] = [];
    for (let i = 0; i < MAX_REQUESTS_PER_USER; i++) stalled.push(await stalledUpload(server.url, mallory, big.hash));
    const refused = await call(server.url, 'PUT', `/v1/blocks/${big.hash}`, mallory, big.bytes);
    assert.equal(refused.status, 429);
    assert.equal(refused.json().error.code, 'too_many_requests');
    const raw = await fetch(`${server.url}/v1/account`, { headers: { authorization: `Bearer ${mallory}` } });
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get('retry-after'), String(RETRY_AFTER_SEC));
    assert.ok((await bobSyncs()) < 5000, 'bob is not refused');

    // The client meets the 429, waits Retry-After, and succeeds once slots are free again.
    const remote = new HttpRemote(server.url, mallory);
    try {
      const small = block(500);
      const upload = remote.putBlock(small.hash as BlockHash, small.bytes);
      setTimeout(() => stalled.forEach((s) => s.destroy()), 1500);
      await upload;
      assert.ok((await remote.getBlock(small.hash as BlockHash)).equals(small.bytes));
    } finally {
      remote.close();
      stalled.forEach((s) => s.destroy());
    }
  });

  it('a slow-loris client is cut: dribbled headers get 408 and a stalled body 408, while bob keeps syncing', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const loris = Array.from({ length: 50 }, () => dribbleHeaders(server.url));
    const stall = stalledUpload(server.url, mallory, big.hash).then(answerOf);
    const timings: number[] = [];
    let done = false;
    const syncing = (async () => {
      while (!done) {
        timings.push(await bobSyncs());
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const ends = await Promise.all(loris);
    const stallAnswer = await stall;
    done = true;
    await syncing;
    for (const end of ends) {
      assert.ok(end.at - started < HEADERS_TIMEOUT_MS + 5000, `cut after ${end.at - started} ms`);
      assert.match(end.answer, /^HTTP\/1\.1 408 /, 'a clear answer before the cut');
    }
    assert.match(stallAnswer.text, /^HTTP\/1\.1 408 /);
    assert.match(stallAnswer.text, /no body bytes for 30 s/);
    assert.ok(stallAnswer.at - started < BODY_IDLE_MS + 5000);
    assert.ok(timings.length >= 10, `bob synced ${timings.length} times`);
    assert.ok(Math.max(...timings) < 5000, `bob's slowest sync: ${Math.max(...timings)} ms`);
  });

  it('a multi-block read counts repeats: asking for one 4 MiB block 17 times is refused (413)', async () => {
    const answer = await call(server.url, 'POST', '/v1/blocks/get', mallory, { hashes: Array(17).fill(big.hash) });
    assert.equal(answer.status, 413);
    assert.equal(answer.json().error.code, 'too_large');
    const fine = await call(server.url, 'POST', '/v1/blocks/get', mallory, { hashes: Array(3).fill(big.hash) });
    assert.equal(fine.status, 200);
    assert.equal(fine.body.length, 3 * (36 + 4 * MiB));
  });

  it('list pages stop at the block cap, and revisions are paged (the client reads every page)', async () => {
    // Two files of repeated content with more block hashes between them than a page holds.
    const count = MAX_PAGE_BLOCKS / 2 + 1;
    const changes = ['a', 'b'].map((name) => ({ kind: 'put', path: `wide/${name}.bin`, parentRev: null, size: count * 4 * MiB, mtime: 1, blocks: Array(count).fill(big.hash) }));
    const committed = (await call(server.url, 'POST', '/v1/commit', mallory, { device: 'm', changes })).json();
    assert.deepEqual(committed.results.map((r: { status: string }) => r.status), ['committed', 'committed']);
    const from = committed.cursor - 2;
    const first = (await call(server.url, 'GET', `/v1/list?cursor=${from}`, mallory)).json();
    assert.deepEqual(first.entries.map((e: { path: string }) => e.path), ['wide/a.bin']);
    assert.equal(first.hasMore, true);
    const second = (await call(server.url, 'GET', `/v1/list?cursor=${first.cursor}`, mallory)).json();
    assert.deepEqual(second.entries.map((e: { path: string }) => e.path), ['wide/b.bin']);
    assert.equal(second.hasMore, false);

    // 1,001 revisions of one path: pages of at most 1,000, newest first.
    const small = block(10);
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${small.hash}`, mallory, small.bytes)).status, 201);
    const head = committed.cursor;
    const edits = Array.from({ length: 1001 }, (_, i) => ({ kind: 'put', path: 'edited.txt', parentRev: i === 0 ? null : head + i, size: 10, mtime: i, blocks: [small.hash] }));
    const edited = (await call(server.url, 'POST', '/v1/commit', mallory, { device: 'm', changes: edits })).json();
    assert.ok(edited.results.every((r: { status: string }) => r.status === 'committed'));
    const page = (await call(server.url, 'GET', '/v1/revisions?path=edited.txt&limit=2', mallory)).json();
    assert.deepEqual(page.revisions.map((e: { rev: number }) => e.rev), [head + 1001, head + 1000]);
    assert.equal(page.hasMore, true);
    const next = (await call(server.url, 'GET', `/v1/revisions?path=edited.txt&limit=2&before=${head + 1000}`, mallory)).json();
    assert.deepEqual(next.revisions.map((e: { rev: number }) => e.rev), [head + 999, head + 998]);
    const capped = (await call(server.url, 'GET', '/v1/revisions?path=edited.txt', mallory)).json();
    assert.equal(capped.revisions.length, 1000);
    assert.equal(capped.hasMore, true);
    const remote = new HttpRemote(server.url, mallory);
    try {
      const all = await remote.revisions('edited.txt');
      assert.equal(all.length, 1001);
      assert.equal(all.at(-1)!.rev, head + 1);
    } finally {
      remote.close();
    }
  });

  it("error messages do not name the server's paths", async () => {
    const b = block(5000);
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${b.hash}`, mallory, b.bytes)).status, 201);
    const shard = join(server.dataDir, 'blocks', b.hash.slice(0, 2));
    assert.ok(readdirSync(shard).includes(b.hash));
    writeFileSync(join(shard, b.hash), Buffer.alloc(5000)); // rotted on disk
    const answer = await call(server.url, 'GET', `/v1/blocks/${b.hash}`, mallory);
    assert.equal(answer.status, 422);
    const { message } = answer.json().error;
    assert.ok(!message.includes(server.dataDir), message);
    assert.match(message, /<data>/);
  });
});

/** Opens a PUT of a 4 MiB block, sends 1,000 body bytes and then nothing; resolves once the server let it in. */
function stalledUpload(url: string, token: string, hash: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`PUT /v1/blocks/${hash} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${4 * MiB}\r\n\r\n`);
      socket.write(Buffer.alloc(1000));
      // Give the server a moment to take the request (and its slot) before the next one.
      setTimeout(() => resolve(socket), 20);
    });
    socket.on('error', reject);
  });
}

/** Everything the server sends on `socket` until it closes it, and when it did. */
function answerOf(socket: Socket): Promise<{ text: string; at: number }> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('close', () => resolve({ text, at: Date.now() }));
    socket.on('error', () => undefined);
  });
}

/** A request whose headers arrive one byte a second, never ending; resolves when the server closes it. */
function dribbleHeaders(url: string): Promise<{ answer: string; at: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.write('GET /v1/list HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const timer = setInterval(() => socket.write('a'), 1000);
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, at: Date.now() });
    });
  });
}
