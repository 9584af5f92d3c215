// The control endpoint as a browser, another site and the CLI see it: real HTTP on
// 127.0.0.1, a real state folder, the in-memory SyncApi behind it.

import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { callControl, connectControl } from '../../../shared/node/api-bridge/control-client.js';
import { readControlFile } from '../../../shared/node/api-bridge/control-file.js';
import { startControl, type ControlHandle } from '../../../shared/node/api-bridge/control-server.js';
import { createFakeSyncApi, type FakeSyncApi } from '../../helpers/fake-sync-api.js';

let dir: string;
let api: FakeSyncApi;
let control: ControlHandle;
let token: string;
let port: number;

/** A raw request, so tests can send headers fetch() will not (Host, Origin). */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hsync-control-'));
  const uiDir = join(dir, 'ui');
  await mkdir(join(uiDir, 'assets'), { recursive: true });
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Hybrid Sync</title>');
  await writeFile(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'not for browsers');
  api = createFakeSyncApi();
  control = await startControl(api, { stateDir: join(dir, 'state'), uiPort: 0, uiDir });
  const info = await readControlFile(join(dir, 'state'));
  token = info.token;
  port = Number(new URL(info.url).port);
});

after(async () => {
  await control.close();
  await rm(dir, { recursive: true, force: true });
});

describe('control.json', () => {
  test('is owner-only and names the endpoint and the token the ui URL carries', async () => {
    const path = join(dir, 'state', 'control.json');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const info = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(info.url, control.url);
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(control.uiUrl, `${info.url}/#token=${info.token}`);
    assert.ok(info.token.length >= 40);
  });
});

describe('API calls', () => {
  test('a call with the token runs the method and returns the envelope', async () => {
    const res = await raw('/api/pause', { method: 'POST', headers: auth(), body: '[]' });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { ok: true, value: null });
    assert.equal(api.status.state, 'paused');
    const status = await raw('/api/getStatus', { method: 'POST', headers: auth(), body: '[]' });
    assert.equal(JSON.parse(status.body).value.summary, 'Paused');
    await api.resume();
  });

  test('the CLI client round-trips through control.json', async () => {
    const client = await connectControl(join(dir, 'state'));
    const settings = await client.updateSettings({ deviceName: 'desk', token: 'abc' });
    assert.equal(settings.deviceName, 'desk');
    assert.equal(settings.hasToken, true);
    assert.equal(JSON.stringify(settings).includes('abc'), false, 'the token is write-only');
  });

  test('a missing or wrong token is refused before the engine sees the call', async () => {
    const before = api.calls.length;
    for (const authorization of [undefined, 'Bearer nope', `Basic ${token}`, `Bearer ${token}x`]) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization) headers.authorization = authorization;
      const res = await raw('/api/pause', { method: 'POST', headers, body: '[]' });
      assert.equal(res.status, 401, String(authorization));
      assert.equal(JSON.parse(res.body).error.code, 'unauthorized');
    }
    assert.equal(api.calls.length, before);
  });

  test('a foreign Host (DNS rebinding) is refused even with the token', async () => {
    for (const host of ['evil.example:' + port, `127.0.0.1:${port + 1}`, 'localhost']) {
      const res = await raw('/api/getStatus', { method: 'POST', headers: { ...auth(), host }, body: '[]' });
      assert.equal(res.status, 403, host);
      assert.equal(JSON.parse(res.body).error.code, 'forbidden');
    }
    const page = await raw('/', { headers: { host: 'evil.example' } });
    assert.equal(page.status, 403);
    const ok = await raw('/api/getStatus', { method: 'POST', headers: { ...auth(), host: `localhost:${port}` }, body: '[]' });
    assert.equal(ok.status, 200);
  });

  test('another origin or a cross-site fetch is refused', async () => {
    const cases: Record<string, string>[] = [{ origin: 'https://evil.example' }, { origin: 'null' }, { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'cross-site' }];
    for (const headers of cases) {
      const res = await raw('/api/pause', { method: 'POST', headers: { ...auth(), ...headers }, body: '[]' });
      assert.equal(res.status, 403, JSON.stringify(headers));
    }
    assert.notEqual(api.status.state, 'paused');
    const same = await raw('/api/getStatus', { method: 'POST', headers: { ...auth(), origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }, body: '[]' });
    assert.equal(same.status, 200);
  });

  test('bad arguments, bodies and methods get a clear bad_request and change nothing', async () => {
    const cases: [string, string, Record<string, string>, string, RegExp][] = [
      ['/api/updateSettings', '[{"serverUrl":"ftp://x"}]', auth(), 'bad_request', /serverUrl must be an http\(s\) URL/],
      ['/api/updateSettings', '[{"colour":"red"}]', auth(), 'bad_request', /unknown setting "colour"/],
      ['/api/updateSettings', '[{"upLimitKBps":-1}]', auth(), 'bad_request', /setting "upLimitKBps" must be a whole number of KB\/s/],
      ['/api/updateSettings', '[{"downLimitKBps":1.5}]', auth(), 'bad_request', /setting "downLimitKBps" must be a whole number/],
      ['/api/updateSettings', '[{"upLimitKBps":"2000"}]', auth(), 'bad_request', /setting "upLimitKBps" must be a number/],
      ['/api/updateSettings', '[]', auth(), 'bad_request', /takes one settings object/],
      ['/api/pause', '[1]', auth(), 'bad_request', /takes no arguments/],
      ['/api/pause', '{"a":1}', auth(), 'bad_request', /JSON array/],
      ['/api/pause', 'not json', auth(), 'bad_request', /not valid JSON/],
      ['/api/pause', '[]', { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, 'bad_request', /application\/json/],
      ['/api/deleteEverything', '[]', auth(), 'not_found', /no such method/],
      ['/api/constructor', '[]', auth(), 'not_found', /no such method/],
    ];
    const settings = JSON.stringify(api.settings);
    for (const [path, body, headers, code, message] of cases) {
      const res = await raw(path, { method: 'POST', headers, body });
      const error = JSON.parse(res.body).error;
      assert.equal(error.code, code, `${path} ${body}`);
      assert.match(error.message, message);
    }
    assert.equal(JSON.stringify(api.settings), settings);
    const big = await raw('/api/updateSettings', { method: 'POST', headers: auth(), body: `[{"folder":"${'x'.repeat(70_000)}"}]` });
    assert.equal(big.status, 413);
  });

  test('an engine error crosses as data with its code', async () => {
    api.failNext('syncNow', Object.assign(new Error('sync now: server unreachable'), { code: 'unavailable' }));
    const info = await readControlFile(join(dir, 'state'));
    await assert.rejects(callControl(info, 'syncNow'), { code: 'unavailable', message: 'sync now: server unreachable' });
  });
});

describe('status window files', () => {
  test('the page is served with a strict CSP; nothing outside the build folder is', async () => {
    const page = await raw('/');
    assert.equal(page.status, 200);
    assert.match(page.body, /Hybrid Sync/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal((await raw('/assets/app.js')).status, 200);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/%00']) {
      const res = await raw(path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /not for browsers/);
    }
    assert.equal((await raw('/', { method: 'POST' })).status, 400);
  });
});

describe('status events', () => {
  test('SSE sends the status at once and again on each change, only with the token', async () => {
    const refused = await fetch(`${control.url}/api/events`);
    assert.equal(refused.status, 401);
    const ac = new AbortController();
    const res = await fetch(`${control.url}/api/events`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const nextStatus = async () => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^event: status\ndata: (.*)$/m.exec(frame);
          if (data) return JSON.parse(data[1]);
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    };
    assert.equal((await nextStatus()).state, 'idle');
    api.setStatus({ state: 'syncing', summary: 'Syncing 3 files…' });
    assert.equal((await nextStatus()).summary, 'Syncing 3 files…');
    api.setStatus({ state: 'offline', summary: 'Offline' });
    assert.equal((await nextStatus()).state, 'offline');
    ac.abort();
    api.setStatus({ state: 'idle', summary: 'Up to date' });
  });
});

describe('without a uiPort', () => {
  test('only the API is served, and closing removes control.json', async () => {
    const stateDir = join(dir, 'state-api-only');
    const handle = await startControl(createFakeSyncApi(), { stateDir });
    assert.equal(handle.uiUrl, null);
    const page = await fetch(`${handle.url}/`);
    assert.equal(page.status, 404);
    const client = await connectControl(stateDir);
    assert.equal((await client.getStatus()).summary, 'Up to date');
    await handle.close();
    await assert.rejects(connectControl(stateDir), { code: 'unavailable', message: /no client is running/ });
    await assert.rejects(client.getStatus(), { code: 'unavailable', message: /no client answers/ });
  });
});
