// Metadata service against a real `hsync server` process: commit answers (committed,
// need_blocks, conflict, rejected), moves, list paging, revisions, restore and long-poll.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { waitFor } from '../../helpers/wait-for.js';
import { block, call, waitingLongpolls } from './http.js';

const MiB = 1024 * 1024;

describe('metadata service', () => {
  let server: ServerProcess;
  let token: string;
  let other: string;
  const commit = (changes: unknown[], t = token) => call(server.url, 'POST', '/v1/commit', t, { device: 'laptop', changes });
  const put = (path: string, parentRev: number | null, blocks: string[], size: number) => ({ kind: 'put', path, parentRev, size, mtime: 1700000000000, blocks });
  const upload = async (b: { hash: string; bytes: Buffer }, t = token) => {
    const answer = await call(server.url, 'PUT', `/v1/blocks/${b.hash}`, t, b.bytes);
    assert.ok(answer.status === 201 || answer.status === 200);
  };

  before(async () => {
    server = await startServerProcess();
    [token, other] = await Promise.all([server.addUser('carol'), server.addUser('dave')]);
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
    await server.dispose();
  });

  it('asks for the blocks it lacks, then commits with the content hash and the next journal id', async () => {
    const a = block(4 * MiB);
    const b = block(1000);
    const first = (await commit([put('docs/report.txt', null, [a.hash, b.hash], 4 * MiB + 1000)])).json();
    assert.deepEqual(first.results, [{ status: 'need_blocks', missing: [a.hash, b.hash] }]);
    await upload(a);
    await upload(b);
    const answer = await commit([put('docs/report.txt', null, [a.hash, b.hash], 4 * MiB + 1000)]);
    assert.equal(answer.status, 200);
    const [result] = answer.json().results;
    assert.equal(result.status, 'committed');
    assert.equal(result.entry.path, 'docs/report.txt');
    assert.equal(result.entry.size, 4 * MiB + 1000);
    assert.equal(result.entry.rev, result.entry.id);
    assert.equal(result.entry.device, 'laptop');
    assert.deepEqual(result.entry.blocks, [a.hash, b.hash]);
    // Dropbox's content_hash, computed a second way here.
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update(Buffer.from(a.hash + b.hash, 'hex')).digest('hex');
    assert.equal(result.entry.contentHash, expected);
    assert.equal(answer.json().cursor, result.entry.id);
  });

  it('refuses a commit naming blocks only another namespace uploaded', async () => {
    const secret = block(500);
    await upload(secret, other);
    const answer = (await commit([put('stolen.bin', null, [secret.hash], 500)])).json();
    assert.deepEqual(answer.results, [{ status: 'need_blocks', missing: [secret.hash] }]);
  });

  it('answers conflict to a stale parent revision and keeps the live entry', async () => {
    const v1 = block(10);
    const v2 = block(20);
    const v3 = block(30);
    for (const b of [v1, v2, v3]) await upload(b);
    const made = (await commit([put('notes.txt', null, [v1.hash], 10)])).json().results[0].entry;
    const edited = (await commit([put('notes.txt', made.rev, [v2.hash], 20)])).json().results[0].entry;
    assert.equal(edited.fileId, made.fileId, 'an edit keeps the file id');
    assert.ok(edited.rev > made.rev);
    // A second device still based on the first revision:
    const stale = (await commit([put('notes.txt', made.rev, [v3.hash], 30)])).json().results[0];
    assert.equal(stale.status, 'conflict');
    assert.equal(stale.current.rev, edited.rev);
    // Creating a path that exists is a conflict too.
    assert.equal((await commit([put('notes.txt', null, [v3.hash], 30)])).json().results[0].status, 'conflict');
    const revisions = (await call(server.url, 'GET', '/v1/revisions?path=notes.txt', token)).json().revisions;
    assert.deepEqual(revisions.map((r: { rev: number }) => r.rev), [edited.rev, made.rev]);
  });

  it('deletes with the live revision, and a deleted path accepts a new file', async () => {
    const b = block(40);
    await upload(b);
    const made = (await commit([put('gone.txt', null, [b.hash], 40)])).json().results[0].entry;
    assert.equal((await commit([{ kind: 'delete', path: 'gone.txt', parentRev: made.rev + 1000 }])).json().results[0].status, 'conflict');
    const deleted = (await commit([{ kind: 'delete', path: 'gone.txt', parentRev: made.rev }])).json().results[0];
    assert.equal(deleted.status, 'committed');
    assert.equal(deleted.entry.deleted, true);
    assert.equal(deleted.entry.contentHash, null);
    const again = (await commit([{ kind: 'delete', path: 'gone.txt', parentRev: made.rev }])).json().results[0];
    assert.deepEqual(again, { status: 'conflict', current: null });
    const reborn = (await commit([put('gone.txt', null, [b.hash], 40)])).json().results[0];
    assert.equal(reborn.status, 'committed');
    assert.notEqual(reborn.entry.fileId, made.fileId, 'a new file after a deletion is a new file');
  });

  it('moves a file without blocks: a deletion then the same file id at the new path', async () => {
    const b = block(50);
    await upload(b);
    const made = (await commit([put('a/old.txt', null, [b.hash], 50)])).json().results[0].entry;
    const answer = (await commit([{ kind: 'move', from: 'a/old.txt', fromRev: made.rev, path: 'b/new.txt', parentRev: null }])).json();
    const moved = answer.results[0];
    assert.equal(moved.status, 'committed');
    assert.equal(moved.entry.path, 'b/new.txt');
    assert.equal(moved.entry.fileId, made.fileId);
    assert.deepEqual(moved.entry.blocks, [b.hash]);
    const listed = (await call(server.url, 'GET', `/v1/list?cursor=${made.id}`, token)).json();
    assert.deepEqual(
      listed.entries.map((e: { path: string; deleted: boolean }) => [e.path, e.deleted]),
      [['a/old.txt', true], ['b/new.txt', false]],
    );
    // The source is gone now: moving it again is a conflict.
    const twice = (await commit([{ kind: 'move', from: 'a/old.txt', fromRev: made.rev, path: 'c.txt', parentRev: null }])).json().results[0];
    assert.equal(twice.status, 'conflict');
  });

  it('rejects bad paths, size mismatches and malformed changes, one answer per change', async () => {
    const b = block(60);
    await upload(b);
    const answer = await commit([
      put('../escape.txt', null, [b.hash], 60),
      put('/abs.txt', null, [b.hash], 60),
      put('a//b.txt', null, [b.hash], 60),
      put('.hsync/x', null, [b.hash], 60),
      put('ctl\u0001.txt', null, [b.hash], 60),
      put(`${'n'.repeat(256)}.txt`, null, [b.hash], 60),
      put('size.txt', null, [b.hash], 61),
      put('blocks.txt', null, ['XYZ'], 60),
      { kind: 'rename', path: 'x' },
      put('fine.txt', null, [b.hash], 60),
    ]);
    assert.equal(answer.status, 200);
    const statuses = answer.json().results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status);
    assert.deepEqual(statuses, ['invalid_path', 'invalid_path', 'invalid_path', 'invalid_path', 'invalid_path', 'invalid_path', 'bad_request', 'bad_request', 'bad_request', 'committed']);
    assert.match(answer.json().results[6].error.message, /size 61 does not match its blocks \(60 bytes\)/);
    // Whole-request problems are 400s.
    assert.equal((await call(server.url, 'POST', '/v1/commit', token, { changes: [] })).status, 400);
    assert.equal((await call(server.url, 'POST', '/v1/commit', token, { device: 'x', changes: 'no' })).status, 400);
    assert.equal((await call(server.url, 'POST', '/v1/commit', token, [1, 2])).status, 400);
  });

  it('stores names in NFC: the NFD spelling is the same file', async () => {
    const b = block(70);
    await upload(b);
    const nfd = 'caf\u0065\u0301.txt';
    const made = (await commit([put(nfd, null, [b.hash], 70)])).json().results[0].entry;
    assert.equal(made.path, 'caf\u00e9.txt');
    const twin = (await commit([put('caf\u00e9.txt', null, [b.hash], 70)])).json().results[0];
    assert.equal(twin.status, 'conflict');
    assert.equal((await call(server.url, 'GET', `/v1/revisions?path=${encodeURIComponent(nfd)}`, token)).json().revisions.length, 1);
  });

  it('commits an empty file with no blocks', async () => {
    const entry = (await commit([put('empty', null, [], 0)])).json().results[0].entry;
    assert.equal(entry.contentHash, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('restores an old revision as a new entry with the old content', async () => {
    const v1 = block(80);
    const v2 = block(90);
    await upload(v1);
    await upload(v2);
    const first = (await commit([put('story.md', null, [v1.hash], 80)])).json().results[0].entry;
    const second = (await commit([put('story.md', first.rev, [v2.hash], 90)])).json().results[0].entry;
    await commit([{ kind: 'delete', path: 'story.md', parentRev: second.rev }]);
    const restored = await call(server.url, 'POST', '/v1/restore', token, { path: 'story.md', rev: first.rev, device: 'phone' });
    assert.equal(restored.status, 200);
    const entry = restored.json().entry;
    assert.ok(entry.rev > second.rev);
    assert.deepEqual(entry.blocks, [v1.hash]);
    assert.equal(entry.fileId, first.fileId);
    assert.equal(entry.device, 'phone');
    const revisions = (await call(server.url, 'GET', '/v1/revisions?path=story.md', token)).json().revisions;
    assert.equal(revisions[0].rev, entry.rev);
    assert.equal(revisions.length, 4);
    const wrong = await call(server.url, 'POST', '/v1/restore', token, { path: 'notes.txt', rev: first.rev, device: 'phone' });
    assert.equal(wrong.status, 404);
    assert.equal((await call(server.url, 'POST', '/v1/restore', token, { path: '../x', rev: 1, device: 'p' })).status, 400);
  });

  it('lists the journal in pages and keeps namespaces apart', async () => {
    // A namespace of its own, so the pages hold exactly what this test committed.
    const own = await server.addUser('erin');
    const committed: number[] = [];
    for (let i = 0; i < 7; i++) {
      const [result] = (await commit([put(`page/${i}.txt`, null, [], 0)], own)).json().results;
      assert.equal(result.status, 'committed');
      committed.push(result.entry.id);
    }
    const seen: number[] = [];
    let cursor = 0;
    let pages = 0;
    for (;;) {
      const page = (await call(server.url, 'GET', `/v1/list?cursor=${cursor}&limit=3`, own)).json();
      assert.ok(page.entries.length <= 3);
      seen.push(...page.entries.map((e: { id: number }) => e.id));
      cursor = page.cursor;
      pages++;
      if (!page.hasMore) break;
    }
    assert.equal(pages, 3, '7 entries in pages of 3');
    assert.deepEqual(seen, committed, 'every commit once, in journal order');
    assert.deepEqual((await call(server.url, 'GET', '/v1/list?cursor=0', other)).json(), { entries: [], cursor: 0, hasMore: false });
    assert.equal((await call(server.url, 'GET', '/v1/list?cursor=-1', own)).status, 400);
    assert.equal((await call(server.url, 'GET', '/v1/list?limit=0', own)).status, 400);
  });

  it('wakes a long-poll as soon as the namespace changes, and only that namespace', async () => {
    const head = (await call(server.url, 'GET', '/v1/longpoll?cursor=0&timeout=0', token)).json().cursor;
    const started = Date.now();
    const mine = call(server.url, 'GET', `/v1/longpoll?cursor=${head}&timeout=20`, token);
    const theirs = call(server.url, 'GET', `/v1/longpoll?cursor=0&timeout=1`, other);
    // Both wait on the server before the commit (otherwise they would answer at once anyway).
    await waitFor(async () => (await waitingLongpolls(server.url, token)) === 1 && (await waitingLongpolls(server.url, other)) === 1, 'both long-polls waiting', 5000);
    await commit([put(`poll-${Date.now()}.txt`, null, [], 0)]);
    const woke = await mine;
    assert.deepEqual(woke.json(), { changes: true, cursor: head + 1 });
    assert.ok(Date.now() - started < 5000, 'woke long before its 20 s timeout');
    assert.deepEqual((await theirs).json(), { changes: false, cursor: 0 });
    // Already behind: answers at once.
    assert.deepEqual((await call(server.url, 'GET', '/v1/longpoll?cursor=0&timeout=20', token)).json(), { changes: true, cursor: head + 1 });
    assert.equal((await call(server.url, 'GET', '/v1/longpoll?timeout=1', token)).status, 400);
  });

  it('tells who the token belongs to', async () => {
    const account = (await call(server.url, 'GET', '/v1/account', token)).json();
    const health = (await call(server.url, 'GET', '/v1/health')).json();
    assert.deepEqual(account, { user: 'carol', namespace: 'carol', serverId: health.serverId, waitingLongpolls: 0 });
  });
});
