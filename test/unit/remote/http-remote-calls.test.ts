// HttpRemote's JSON calls against a scripted server on 127.0.0.1: busy answers are asked
// again after their Retry-After (POSTs too), statuses map to the engine's error codes,
// an abort or a silent server ends a call as 'unavailable', and every attempt's bytes count.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';

type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'silent';
/** What the server answers, in order; the last one repeats. */
let script: Answer[] = [];
const seen: { method: string; path: string; body: string; at: number }[] = [];
let url = '';
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (d: Buffer) => (body += d));
  req.on('end', () => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', body, at: performance.now() });
    const answer = script.length > 1 ? script.shift()! : script[0];
    if (answer === 'silent') return;
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...answer.headers });
    res.end(text);
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  seen.length = 0;
});

const COMMITTED = { results: [], cursor: 7 };

test('a 429 is asked again after its Retry-After, a POST commit too; both attempts count', async () => {
  script = [{ status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'too_many_requests', message: 'busy' } } }, { status: 200, body: COMMITTED }];
  const remote = new HttpRemote(url, 't');
  const answer = await remote.commit('laptop', []);
  assert.deepEqual(answer, COMMITTED);
  assert.equal(seen.length, 2);
  assert.ok(seen[1].at - seen[0].at >= 950, `asked again after ${seen[1].at - seen[0].at} ms`);
  assert.equal(seen[0].body, seen[1].body, 'the same commit both times');
  assert.equal(remote.counters.sentBytes, 2 * Buffer.byteLength(seen[0].body));
  const busy = JSON.stringify({ error: { code: 'too_many_requests', message: 'busy' } });
  assert.equal(remote.counters.receivedBytes, Buffer.byteLength(busy) + Buffer.byteLength(JSON.stringify(COMMITTED)));
  remote.close();
});

test('a 503 with Retry-After is asked again; without one it is unavailable at once', async () => {
  script = [{ status: 503, headers: { 'retry-after': '0' } }, { status: 200, body: { pending: [] } }];
  const remote = new HttpRemote(url, 't');
  assert.deepEqual(await remote.pending(), { pending: [] });
  assert.equal(seen.length, 2);
  seen.length = 0;
  script = [{ status: 503 }];
  await assert.rejects(remote.pending(), { code: 'unavailable' });
  assert.equal(seen.length, 1);
  remote.close();
});

test('statuses map to the codes the engine acts on: 401 signed out, 507 server full, 404, 5xx', async () => {
  const remote = new HttpRemote(url, 't');
  script = [{ status: 401, body: { error: { code: 'unauthorized', message: 'bad token' } } }];
  await assert.rejects(remote.account(), { code: 'unauthorized', message: 'GET /v1/account: bad token' });
  script = [{ status: 507, body: { error: { code: 'disk_full', message: 'no space' } } }];
  await assert.rejects(remote.commit('d', []), { code: 'disk_full', message: 'POST /v1/commit: server full (no space)' });
  script = [{ status: 404 }];
  await assert.rejects(remote.revisions('a.txt'), { code: 'not_found' });
  script = [{ status: 500, body: { error: { code: 'conflict', message: 'oops' } } }];
  await assert.rejects(remote.list(0), { code: 'unavailable' });
  script = [{ status: 302, headers: { location: 'http://example.org/' } }];
  await assert.rejects(remote.tierStats(), { code: 'bad_request' }, 'a redirect is not followed');
  script = [{ status: 200, headers: { 'content-type': 'text/html' } }];
  await assert.rejects(remote.account(), { code: 'unavailable', message: /malformed JSON/ });
  remote.close();
});

test('an abort ends a long-poll waiting out a 429 at once, as unavailable', async () => {
  script = [{ status: 429, headers: { 'retry-after': '30' } }];
  const remote = new HttpRemote(url, 't');
  const stop = new AbortController();
  const t0 = performance.now();
  const polled = remote.longpoll(0, 30, stop.signal);
  while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
  stop.abort();
  await assert.rejects(polled, { code: 'unavailable' });
  assert.ok(performance.now() - t0 < 5_000, 'not after the 30 s Retry-After');
  assert.equal(seen.length, 1);
  remote.close();
});

test('a server that never answers times out as unavailable after the idle timeout, not asked again', async () => {
  script = ['silent'];
  const remote = new HttpRemote(url, 't', { timeoutMs: 300 });
  const t0 = performance.now();
  await assert.rejects(remote.account(), { code: 'unavailable', message: /unreachable/ });
  assert.ok(performance.now() - t0 < 5_000);
  assert.equal(seen.length, 1);
  remote.close();
});

test('an unreachable server is unavailable at once, not asked again', async () => {
  const remote = new HttpRemote('http://127.0.0.1:1', 't');
  await assert.rejects(remote.account(), { code: 'unavailable', message: /GET \/v1\/account: server http:\/\/127\.0\.0\.1:1 unreachable/ });
  remote.close();
});
