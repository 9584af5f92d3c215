// Several `hsync server --role meta` processes on one PostgreSQL database (docs/deploy.md,
// "Several metadata servers"), one block service behind them, all real processes on
// 127.0.0.1: clients on different servers converge, a commit through one wakes a long-poll
// held by another, the database decides concurrent commits to one path, a server killed
// with SIGKILL mid-commit loses nothing it acknowledged, and a background job runs in one
// process at a time.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommitResponse, JournalEntry, ListResponse, LongpollResponse } from '../../../shared/common/protocol.js';
import { openPostgresStore } from '../../../server/store/postgres-store.js';
import { freePort } from '../../helpers/hybrid-cluster.js';
import { device, syncCli, tree, writeFiles, type Device } from '../../helpers/hybrid-devices.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('several metadata servers on one PostgreSQL', { skip: postgresMissing() }, () => {
  let db: TestPostgres;
  let blocks: ServerProcess;
  let secretFile: string;
  const metas: ServerProcess[] = [];
  const devices: Device[] = [];
  let token: string;

  const startMeta = async () => {
    const meta = await startServerProcess({
      args: ['--role', 'meta', '--block-service', blocks.url, '--secret-file', secretFile, '--db', db.url, '--repatriate-every-sec', '0', '--scrub-rate-mb', '0'],
    });
    metas.push(meta);
    return meta;
  };

  before(async () => {
    db = await startPostgres();
    secretFile = join(await mkdtemp(join(tmpdir(), 'hsync-key-')), 'block.key');
    blocks = await startServerProcess({ args: ['--role', 'blocks', '--secret-file', secretFile, '--port', String(await freePort())] });
    await startMeta();
    await startMeta();
    const added = await runHsync(['server', 'user', 'add', 'team', '--db', db.url]);
    assert.equal(added.code, 0, added.stderr);
    token = added.stdout.trim();
  });
  after(async () => {
    for (const meta of metas) await meta.dispose();
    await blocks?.dispose();
    if (secretFile) await rm(dirname(secretFile), { recursive: true, force: true });
    for (const d of devices) {
      await rm(d.root, { recursive: true, force: true });
      await rm(d.state, { recursive: true, force: true });
    }
    await db?.stop();
  });

  const call = async <T>(server: ServerProcess, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.equal(res.status, 200, `${method} ${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const put = (path: string, parentRev: number | null) => ({ kind: 'put', path, parentRev, size: 0, mtime: 1_700_000_000_000, blocks: [] });
  const commit = (server: ServerProcess, change: object, device = 'dev') =>
    call<CommitResponse>(server, 'POST', '/v1/commit', { device, changes: [change] });
  async function journal(server: ServerProcess): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    for (let cursor = 0; ; ) {
      const page = await call<ListResponse>(server, 'GET', `/v1/list?cursor=${cursor}&limit=1000`);
      out.push(...page.entries);
      cursor = page.cursor;
      if (!page.hasMore) return out;
    }
  }

  it('clients on different servers converge both ways', async () => {
    const [one, two] = metas;
    const a = await device('fleet-a', token);
    const b = await device('fleet-b', token);
    devices.push(a, b);
    await writeFiles(a.root, 'shared', [20, 40_000, 3 * 1024 * 1024]);
    assert.equal((await syncCli(one.url, a)).code, 0);
    const synced = await syncCli(two.url, b);
    assert.equal(synced.code, 0, synced.stderr);
    assert.deepEqual(await tree(b.root), await tree(a.root));
    await writeFile(join(b.root, 'shared', 'file-0.bin'), 'edited through the second server');
    await writeFile(join(b.root, 'from-b.txt'), 'new');
    assert.equal((await syncCli(two.url, b)).code, 0);
    assert.equal((await syncCli(one.url, a)).code, 0);
    assert.deepEqual(await tree(a.root), await tree(b.root));
    assert.equal(Object.keys(await tree(a.root)).length, 4);
  });

  it('a commit through one server wakes a long-poll held by the other at once', async () => {
    const [one, two] = metas;
    const { cursor } = await call<LongpollResponse>(two, 'GET', '/v1/longpoll?cursor=0&timeout=0');
    const started = Date.now();
    const polled = call<LongpollResponse>(two, 'GET', `/v1/longpoll?cursor=${cursor}&timeout=60`);
    await waitFor(async () => (await call<{ waitingLongpolls: number }>(two, 'GET', '/v1/account')).waitingLongpolls > 0, 'the long-poll to wait');
    const made = await commit(one, put('wake.txt', null));
    const answer = await polled;
    assert.deepEqual(answer, { changes: true, cursor: made.cursor });
    assert.ok(Date.now() - started < 20_000, `woken by the commit, not by its 60 s timeout (${Date.now() - started} ms)`);
  });

  it('concurrent commits to one path through two servers: one wins, the other is a conflict', async () => {
    const [one, two] = metas;
    let parent: number | null = null;
    for (let round = 0; round < 15; round++) {
      const answers: CommitResponse[] = await Promise.all([commit(one, put('race.txt', parent), 'dev-1'), commit(two, put('race.txt', parent), 'dev-2')]);
      const statuses = answers.map((a) => a.results[0].status).sort();
      assert.deepEqual(statuses, ['committed', 'conflict'], `round ${round}`);
      const won = answers.find((a) => a.results[0].status === 'committed')!.results[0] as { entry: JournalEntry };
      const lost = answers.find((a) => a.results[0].status === 'conflict')!.results[0] as { current: JournalEntry };
      assert.deepEqual(lost.current, won.entry, 'the loser is shown the winner');
      parent = won.entry.rev;
    }
    const revisions = (await journal(one)).filter((e) => e.path === 'race.txt');
    assert.equal(revisions.length, 15, 'one revision per round, none overwritten');
  });

  it('SIGKILL of one server mid-commit loses nothing it acknowledged; the other serves every acknowledged commit', async () => {
    const victim = await startMeta();
    const survivor = metas[0];
    const acked: JournalEntry[] = [];
    let killed = false;
    let next = 0;
    const worker = async () => {
      while (!killed) {
        const path = `burst/${next++}.txt`;
        let answer: CommitResponse;
        try {
          answer = await commit(victim, put(path, null));
        } catch {
          return; // the server is gone: this commit was never acknowledged
        }
        const result = answer.results[0] as { status: string; entry: JournalEntry };
        assert.equal(result.status, 'committed');
        acked.push(result.entry);
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    await waitFor(() => acked.length >= 150, '150 acknowledged commits');
    killed = true;
    await victim.kill();
    await Promise.all(workers);
    const entries = await journal(survivor);
    const byPath = new Map<string, JournalEntry[]>();
    for (const e of entries) byPath.set(e.path, [...(byPath.get(e.path) ?? []), e]);
    for (const entry of acked) assert.deepEqual(byPath.get(entry.path), [entry], `${entry.path} kept once, as acknowledged`);
    const ids = entries.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'the journal in id order');
    assert.equal(new Set(ids).size, ids.length, 'no id handed out twice');
  });

  it('a background job runs in one process at a time; the next may run once it is done', async () => {
    const first = await openPostgresStore(db.url);
    const second = await openPostgresStore(db.url);
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let running!: () => void;
      const started = new Promise<void>((resolve) => (running = resolve));
      const held = first.exclusive('repatriation', async () => {
        running();
        await gate;
        return 'first';
      });
      await started;
      assert.equal(await second.exclusive('repatriation', async () => 'second'), null, 'skipped while the first runs');
      assert.equal(await second.exclusive('scrub', async () => 'scrub'), 'scrub', 'another job is not held up');
      release();
      assert.equal(await held, 'first');
      assert.equal(await second.exclusive('repatriation', async () => 'second'), 'second');
    } finally {
      await first.close();
      await second.close();
    }
  });
});
