// `hsync server` and `hsync server user add` as a user runs them: output lines, exit
// codes, default data dir, and a graceful stop that lets in-flight requests finish.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runHsync, startServerProcess } from '../../helpers/server-process.js';
import { block, call } from './http.js';

describe('hsync server CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hsync-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints help with exit 0 and refuses bad usage with exit 2 and one line', async () => {
    const helps = [['server', '--help'], ['server', 'user', 'add', '--help']];
    for (const [args, result] of await Promise.all(helps.map(async (a) => [a, await runHsync(a)] as const))) {
      assert.equal(result.code, 0, args.join(' '));
      assert.match(result.stdout, /^Usage: hsync server/);
    }
    const bad = [
      ['server', '--bogus'],
      ['server', '--port', '70000'],
      ['server', 'user', 'remove', 'x'],
      ['server', 'user', 'add'],
    ];
    for (const [args, result] of await Promise.all(bad.map(async (a) => [a, await runHsync([...a, '--data', dir])] as const))) {
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /^hsync server: /);
      assert.equal(result.stdout, '');
    }
  });

  it('adds a user: only the token on stdout; a taken or malformed name fails clearly', async () => {
    const added = await runHsync(['server', 'user', 'add', 'hana', '--data', dir]);
    assert.equal(added.code, 0, added.stderr);
    // The prefix keeps a token from starting with "-", so `--token TOKEN` always parses.
    assert.match(added.stdout, /^hst_[A-Za-z0-9_-]{43}\n$/);
    assert.equal(added.stderr, '');
    const again = await runHsync(['server', 'user', 'add', 'hana', '--data', dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /user with this name exists/);
    assert.equal(again.stdout, '');
    const bad = await runHsync(['server', 'user', 'add', '../x', '--data', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /names are 1-64 letters/);
  });

  it('adds users from several processes at once beside a running server, none "database is locked"', async () => {
    const server = await startServerProcess({ dataDir: join(dir, 'busy') });
    try {
      const names = Array.from({ length: 8 }, (_, i) => `racer${i}`);
      const results = await Promise.all(names.map((name) => runHsync(['server', 'user', 'add', name, '--data', join(dir, 'busy')])));
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      assert.equal(new Set(results.map((r) => r.stdout)).size, names.length, 'a token each');
    } finally {
      await server.stop();
    }
  });

  it('uses $XDG_DATA_HOME/hybrid-sync/server when --data is not given', async () => {
    const xdg = join(dir, 'xdg');
    const result = await runHsync(['server', 'user', 'add', 'ivan'], { XDG_DATA_HOME: xdg });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(xdg, 'hybrid-sync', 'server', 'server.db')));
  });

  it('prints exactly one "listening" line, and exit 1 when the port is taken', async () => {
    const data = join(dir, 'one-line');
    const child = spawn(process.execPath, ['bin/hsync.js', 'server', '--data', data, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(out, /^listening http:\/\/127\.0\.0\.1:\d+\n$/);
    const url = out.trim().split(' ')[1];
    const taken = await runHsync(['server', '--data', join(dir, 'other'), '--port', new URL(url).port]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /address in use/);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.equal(out.split('\n').filter(Boolean).length, 1, 'nothing else on stdout');
  });

  it('on SIGTERM stops accepting, finishes the upload in flight and answers the long-poll, then exits 0', async () => {
    const server = await startServerProcess();
    try {
      const token = await server.addUser('judy');
      const b = block(2 * 1024 * 1024);
      const poll = call(server.url, 'GET', '/v1/longpoll?cursor=0&timeout=60', token);
      // An upload that has sent half its body when the signal arrives.
      let answered!: (status: number) => void;
      const status = new Promise<number>((r) => (answered = r));
      const req = http.request(`${server.url}/v1/blocks/${b.hash}`, {
        method: 'PUT',
        agent: false,
        headers: { authorization: `Bearer ${token}`, 'content-length': b.bytes.length },
      });
      req.on('response', (res) => {
        res.resume();
        answered(res.statusCode ?? 0);
      });
      req.write(b.bytes.subarray(0, 1024 * 1024));
      await new Promise((r) => setTimeout(r, 300));
      const stopped = server.stop();
      await new Promise((r) => setTimeout(r, 300));
      req.end(b.bytes.subarray(1024 * 1024));
      assert.equal(await status, 201);
      assert.deepEqual((await poll).json(), { changes: false, cursor: 0 });
      assert.equal(await stopped, 0);
      await assert.rejects(call(server.url, 'GET', '/v1/health'), 'nothing listens any more');
      // The block it acknowledged is there after a restart.
      await server.restart();
      assert.equal((await call(server.url, 'GET', `/v1/blocks/${b.hash}`, token)).body.equals(b.bytes), true);
    } finally {
      await server.dispose();
    }
  });
});
