// GET /v1/pending and the long-poll's pending hint against a real `hsync server` process:
// a multi-block upload under way is listed for its namespace only, wakes long-polls, its
// blocks become readable one by one as they are uploaded, and it is gone once committed.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { waitFor } from '../../helpers/wait-for.js';
import { block, call, waitingLongpolls } from './http.js';

const MiB = 1024 * 1024;

describe('pending uploads', () => {
  let server: ServerProcess;
  let token: string;
  let other: string;
  const commit = (changes: unknown[], device = 'laptop') => call(server.url, 'POST', '/v1/commit', token, { device, changes });
  const put = (path: string, blocks: string[], size: number) => ({ kind: 'put', path, parentRev: null, size, mtime: 1700000000000, blocks });

  before(async () => {
    server = await startServerProcess();
    [token, other] = await Promise.all([server.addUser('erin'), server.addUser('frank')]);
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
    await server.dispose();
  });

  it('lists an upload under way, wakes long-polls, serves its blocks as they arrive, and forgets it on commit', async () => {
    const head = (await call(server.url, 'GET', '/v1/longpoll?cursor=0&timeout=0&pending=0', token)).json();
    assert.equal(head.pending, false);
    const seen = head.pendingSeq;
    // A long-poll waiting on the journal wakes for the announcement, with no journal change;
    // one from a client that does not ask about pending uploads goes on waiting, as it always did.
    const started = Date.now();
    const poll = call(server.url, 'GET', `/v1/longpoll?cursor=${head.cursor}&timeout=20&pending=${seen}`, token);
    const oldPoll = call(server.url, 'GET', `/v1/longpoll?cursor=${head.cursor}&timeout=2`, token);
    await waitFor(async () => (await waitingLongpolls(server.url, token)) === 2, 'both long-polls waiting', 5000);
    const a = block(4 * MiB);
    const b = block(1234);
    const first = (await commit([put('video/big.bin', [a.hash, b.hash], 4 * MiB + 1234)])).json();
    assert.equal(first.results[0].status, 'need_blocks');
    const woke = (await poll).json();
    assert.ok(Date.now() - started < 10_000, 'the long-poll answered on the announcement, not its timeout');
    assert.equal(woke.changes, false);
    assert.equal(woke.pending, true);
    assert.ok(woke.pendingSeq > seen);
    assert.deepEqual((await oldPoll).json(), { changes: false, cursor: head.cursor });
    assert.ok(Date.now() - started >= 1900, 'the older client\'s poll ran to its timeout');
    // A client that already saw that announcement waits again; one that did not is told at once.
    const quick = await call(server.url, 'GET', `/v1/longpoll?cursor=${head.cursor}&timeout=20&pending=${seen}`, token);
    assert.equal(quick.json().pending, true);
    const waiting = call(server.url, 'GET', `/v1/longpoll?cursor=${head.cursor}&timeout=1&pending=${woke.pendingSeq}`, token);
    const t0 = Date.now();
    await waiting;
    assert.ok(Date.now() - t0 >= 900, 'no newer announcement: it waits');

    const listed = (await call(server.url, 'GET', '/v1/pending', token)).json();
    assert.equal(listed.uploads.length, 1);
    const [upload] = listed.uploads;
    assert.equal(upload.path, 'video/big.bin');
    assert.equal(upload.size, 4 * MiB + 1234);
    assert.equal(upload.device, 'laptop');
    assert.deepEqual(upload.blocks, [a.hash, b.hash]);
    assert.match(upload.contentHash, /^[0-9a-f]{64}$/);
    assert.deepEqual((await call(server.url, 'GET', '/v1/pending', other)).json().uploads, [], 'another namespace sees nothing');
    assert.equal((await call(server.url, 'GET', '/v1/pending')).status, 401);

    // Blocks are readable by the namespace once uploaded, not before.
    assert.equal((await call(server.url, 'GET', `/v1/blocks/${a.hash}`, token)).status, 404);
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${a.hash}`, token, a.bytes)).status, 201);
    const got = await call(server.url, 'GET', `/v1/blocks/${a.hash}`, token);
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(a.bytes));
    assert.equal((await call(server.url, 'PUT', `/v1/blocks/${b.hash}`, token, b.bytes)).status, 201);

    const second = (await commit([put('video/big.bin', [a.hash, b.hash], 4 * MiB + 1234)])).json();
    assert.equal(second.results[0].status, 'committed');
    assert.equal(second.results[0].entry.contentHash, upload.contentHash);
    assert.deepEqual((await call(server.url, 'GET', '/v1/pending', token)).json().uploads, []);
    const after = (await call(server.url, 'GET', `/v1/longpoll?cursor=${head.cursor}&timeout=0&pending=0`, token)).json();
    assert.equal(after.pending, false);
    assert.equal(after.changes, true);
  });

  it('does not announce one-block files', async () => {
    const small = block(2000);
    assert.equal((await commit([put('note.txt', [small.hash], 2000)])).json().results[0].status, 'need_blocks');
    assert.deepEqual((await call(server.url, 'GET', '/v1/pending', token)).json().uploads, []);
  });
});
