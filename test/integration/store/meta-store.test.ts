// One contract, two stores: the same checks run against the SQLite store in a temp data dir
// (on both SQLite drivers, native and wasm: server/store/sqlite-driver.ts) and the PostgreSQL store on a throwaway PostgreSQL (test/helpers/postgres.ts). Commits go
// through the real Committer, as the server's routes do.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { BlockHash } from '../../../shared/common/blocks.js';
import type { CommitResult, JournalEntry } from '../../../shared/common/protocol.js';
import { blockHashOf, contentHashOf } from '../../../shared/node/blocks/content-hash.js';
import { Committer } from '../../../server/meta/commit.js';
import type { MetaStore } from '../../../server/store/meta-store.js';
import { openPostgresStore } from '../../../server/store/postgres-store.js';
import type { SqliteDriver } from '../../../server/store/sqlite-driver.js';
import { SqliteMetaStore } from '../../../server/store/sqlite-store.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait-for.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { hashOf, tierTranscript } from './tier-transcript.js';

interface Backend {
  name: string;
  skip: string | false;
  /** A new, empty store. */
  open(): Promise<MetaStore>;
  /** The same store opened again (a server restart). */
  reopen(): Promise<MetaStore>;
  /** True once some transaction waits for a lock another holds (SQLite queues them: at once). */
  someoneWaits(): Promise<boolean>;
  cleanup(): Promise<void>;
}

function sqliteBackend(driver: SqliteDriver): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'hsync-store-'));
  return {
    name: `SQLite (${driver} driver)`,
    skip: false,
    open: async () => SqliteMetaStore.open(dir, driver),
    reopen: async () => SqliteMetaStore.open(dir, driver),
    someoneWaits: async () => true,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresBackend(): Backend {
  let server: TestPostgres | null = null;
  return {
    name: 'PostgreSQL',
    skip: postgresMissing(),
    async open() {
      server = await startPostgres();
      return openPostgresStore(server.url);
    },
    reopen: () => openPostgresStore(server!.url),
    async someoneWaits() {
      const client = new pg.Client(server!.url);
      await client.connect();
      try {
        return (await client.query('SELECT 1 FROM pg_locks WHERE NOT granted')).rowCount! > 0;
      } finally {
        await client.end();
      }
    },
    cleanup: async () => server?.stop(),
  };
}

for (const backend of [sqliteBackend('native'), sqliteBackend('wasm'), postgresBackend()]) {
  describe(`metadata store contract: ${backend.name}`, { skip: backend.skip }, () => {
    let store: MetaStore;
    let committer: Committer;
    let kim: number;
    let lee: number;

    before(async () => {
      store = await backend.open();
      committer = new Committer(store);
      kim = (await store.authenticate(await store.createUser('kim')))!.namespaceId;
      lee = (await store.authenticate(await store.createUser('lee')))!.namespaceId;
    });
    after(async () => {
      await store?.close();
      await backend.cleanup();
    });

    /** A block of `size` random bytes stored and owned by `namespaceId`. */
    async function upload(namespaceId: number, size: number): Promise<BlockHash> {
      const hash = blockHashOf(randomBytes(size));
      await store.transaction(async (tx) => {
        await tx.placeBlocks([{ hash, size, pack: null, offset: null }]);
        await tx.addOwners(namespaceId, [hash]);
      });
      return hash;
    }

    const put = (path: string, parentRev: number | null, blocks: BlockHash[] = [], size = 0) => ({ kind: 'put', path, parentRev, size, mtime: 1_700_000_000_123, blocks });
    async function commitOne(namespaceId: number, change: object): Promise<CommitResult> {
      const { results } = await committer.commit(namespaceId, 'dev-1', [change]);
      return results[0];
    }
    const entryOf = (result: CommitResult): JournalEntry => {
      assert.equal(result.status, 'committed', JSON.stringify(result));
      return (result as { entry: JournalEntry }).entry;
    };

    /**
     * A transaction that has appended an entry for `path` and stays open until `end`, which
     * commits it (answering the entry) or, given an error, rolls it back with that error.
     */
    async function holdAppend(namespaceId: number, path: string): Promise<{ end(error?: Error): Promise<JournalEntry> }> {
      let finish!: (error?: Error) => void;
      const gate = new Promise<Error | undefined>((resolve) => (finish = resolve));
      let appended!: () => void;
      const holding = new Promise<void>((resolve) => (appended = resolve));
      const ended = store.transaction(async (tx) => {
        await tx.lockNamespace(namespaceId);
        const entry = await tx.append(namespaceId, { path, fileId: `f-${path}`, deleted: false, size: 0, mtime: 1, contentHash: contentHashOf([]), blocks: [], device: 'dev-1' });
        appended();
        const error = await gate;
        if (error) throw error;
        return entry;
      });
      await holding;
      return {
        end(error) {
          finish(error);
          return ended;
        },
      };
    }

    it('creates users with a token each; a taken name or a bad token is refused', async () => {
      const token = await store.createUser('max');
      const caller = await store.authenticate(token);
      assert.equal(caller?.user, 'max');
      assert.equal(caller?.namespace, 'max');
      assert.equal(await store.authenticate(`${token}x`), null);
      await assert.rejects(store.createUser('kim'), { code: 'bad_request', message: 'add user "kim": a user with this name exists' });
      await assert.rejects(store.createUser('-bad'), { code: 'bad_request' });
    });

    it('commits a file with its blocks and answers it byte for byte from the journal', async () => {
      const hash = await upload(kim, 1234);
      const entry = entryOf(await commitOne(kim, put('docs/a.txt', null, [hash], 1234)));
      assert.equal(entry.size, 1234);
      assert.deepEqual(entry.blocks, [hash]);
      assert.equal(entry.mtime, 1_700_000_000_123);
      assert.deepEqual(await store.latest(kim, 'docs/a.txt'), entry);
      assert.deepEqual(await store.entry(kim, entry.rev), entry);
      assert.equal(await store.head(kim), entry.id);
    });

    it('needs the blocks the namespace does not own, even ones another namespace stored', async () => {
      const leesBlock = await upload(lee, 100);
      const result = await commitOne(kim, put('stolen.bin', null, [leesBlock], 100));
      assert.deepEqual(result, { status: 'need_blocks', missing: [leesBlock] });
      assert.deepEqual(await store.missing(kim, [leesBlock, leesBlock]), [leesBlock]);
      assert.equal(await store.owns(kim, leesBlock), false);
      assert.equal((await store.ownedBlocks(kim, [leesBlock])).size, 0);
      assert.deepEqual(await store.ownedBlocks(lee, [leesBlock]), new Map([[leesBlock, { size: 100, tier: 'inhouse', pack: null, offset: null }]]));
      assert.equal(await store.latest(kim, 'stolen.bin'), null);
    });

    it('answers a stale parent with a conflict and the current entry, and changes nothing', async () => {
      const first = entryOf(await commitOne(kim, put('notes.md', null)));
      const second = entryOf(await commitOne(kim, put('notes.md', first.rev)));
      const head = await store.head(kim);
      const stale = await commitOne(kim, put('notes.md', first.rev));
      assert.deepEqual(stale, { status: 'conflict', current: second });
      assert.equal(await store.head(kim), head);
      assert.deepEqual(await commitOne(kim, put('notes.md', null)), { status: 'conflict', current: second });
    });

    it('decides concurrent commits on one parent: one is committed, the other a conflict', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => committer.commit(kim, `dev-${i}`, [put('race.txt', null)])),
      );
      const statuses = results.map((r) => r.results[0].status).sort();
      assert.deepEqual(statuses, ['committed', 'conflict', 'conflict', 'conflict', 'conflict', 'conflict']);
      assert.equal((await store.revisions(kim, 'race.txt', Number.MAX_SAFE_INTEGER, 100)).length, 1);
    });

    it('makes a commit wait for one in flight on the same namespace, then answers its stale parent as a conflict', async () => {
      const first = await holdAppend(lee, 'held.txt');
      const second = committer.commit(lee, 'dev-2', [put('held.txt', null)]);
      await waitFor(() => backend.someoneWaits(), 'the second commit to wait for the first');
      const entry = await first.end();
      assert.deepEqual((await second).results, [{ status: 'conflict', current: entry }]);
    });

    it('never lets a read outside the transaction see a write that then rolls back', async () => {
      const doomed = await holdAppend(kim, 'doomed.txt');
      const seen = store.latest(kim, 'doomed.txt');
      await assert.rejects(doomed.end(new Error('disk full')), /disk full/);
      assert.equal(await seen, null);
      assert.equal(await store.latest(kim, 'doomed.txt'), null);
    });

    it('deletes, moves and restores, keeping the file identity', async () => {
      const made = entryOf(await commitOne(kim, put('a/old.txt', null)));
      const moved = entryOf(await commitOne(kim, { kind: 'move', from: 'a/old.txt', fromRev: made.rev, path: 'b/new.txt', parentRev: null }));
      assert.equal(moved.fileId, made.fileId);
      assert.equal((await store.latest(kim, 'a/old.txt'))?.deleted, true);
      const gone = entryOf(await commitOne(kim, { kind: 'delete', path: 'b/new.txt', parentRev: moved.rev }));
      assert.equal(gone.deleted, true);
      const back = await committer.restore(kim, 'dev-2', 'b/new.txt', moved.rev);
      assert.equal(back.fileId, made.fileId);
      assert.equal(back.deleted, false);
      await assert.rejects(committer.restore(kim, 'dev-2', 'b/new.txt', gone.rev), { code: 'bad_request' });
      await assert.rejects(committer.restore(kim, 'dev-2', 'b/new.txt', 999_999), { code: 'not_found' });
    });

    it('pages the journal by cursor and lists revisions newest first', async () => {
      let parent: number | null = null;
      for (let i = 0; i < 5; i++) parent = entryOf(await commitOne(lee, put('log.txt', parent))).rev;
      const all: JournalEntry[] = [];
      for (let cursor = 0; ; ) {
        const page = await store.list(lee, cursor, 2);
        if (page.length === 0) break;
        assert.ok(page.length <= 2);
        all.push(...page);
        cursor = page.at(-1)!.id;
      }
      assert.deepEqual(
        all.map((e) => e.id),
        all.map((_, i) => i + 1 + (all[0].id - 1)),
      );
      assert.equal(all.at(-1)!.id, await store.head(lee));
      const revs = await store.revisions(lee, 'log.txt', Number.MAX_SAFE_INTEGER, 3);
      assert.deepEqual(
        revs.map((e) => e.rev),
        [parent!, parent! - 1, parent! - 2],
      );
      const older = await store.revisions(lee, 'log.txt', revs.at(-1)!.rev, 10);
      assert.deepEqual(
        older.map((e) => e.rev),
        [parent! - 3, parent! - 4],
      );
      assert.deepEqual(await store.list(kim, await store.head(kim), 10), []);
    });

    it('keeps the newest upload as a block place and rolls back a failed transaction whole', async () => {
      const hash = await upload(kim, 10);
      await store.transaction(async (tx) => tx.placeBlocks([{ hash, size: 10, pack: 'pack-1', offset: 40 }]));
      assert.deepEqual(await store.findBlock(hash), { size: 10, tier: 'inhouse', pack: 'pack-1', offset: 40 });
      const other = blockHashOf(randomBytes(5));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.placeBlocks([{ hash: other, size: 5, pack: null, offset: null }]);
          await tx.addOwners(kim, [other]);
          throw new Error('disk gone');
        }),
        /disk gone/,
      );
      assert.equal(await store.findBlock(other), null);
      assert.equal(await store.owns(kim, other), false);
      assert.deepEqual(await store.blockSizes([other, hash]), new Map([[hash, 10]]));
    });

    it('tier index: records S3 copies and packs, placements and corrupt copies, and answers them', async () => {
      const hash = await upload(kim, 10);
      assert.deepEqual(await store.tiers.block(hash), { hash, size: 10, tier: 'inhouse', pack: null, offset: null });
      assert.equal(await store.tiers.setPlacement('lee', 's3'), true);
      assert.equal(await store.tiers.placementOf(lee), 's3');
      await store.transaction(async (tx) => {
        await tx.lockS3Objects();
        await tx.tiers.recordS3(hash, 10);
        await tx.tiers.markForSweep(hash, 5);
      });
      assert.deepEqual(await store.tiers.sweepDue(5, 10), [{ hash, size: 10, pack: null, offset: null }]);
      assert.deepEqual(await store.tiers.repatriationCandidates(10), [], 'its reads still go in-house');
      await store.tiers.markCorrupt(hash, 'inhouse', 'bad bytes');
      assert.deepEqual(await store.tiers.wanted(kim, 10), [hash]);
      assert.deepEqual(await store.tiers.wanted(lee, 10), [], 'lee does not own it');
      assert.equal(await store.tiers.healedBy([hash]), 1);
      assert.equal(await store.tiers.wantedCount(kim), 0);
      assert.equal(await store.tiers.setPlacement('lee', 'inhouse'), true);
    });

    it('tier index: a write in a transaction that rolls back leaves no trace', async () => {
      const hash = hashOf(1000);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.tiers.recordPack('doomed-pack', 10, 1);
          await tx.tiers.recordS3(hash, 10, 'doomed-pack', 0);
          await tx.tiers.setScrubCursor(hash);
          throw new Error('S3 gone');
        }),
        /S3 gone/,
      );
      assert.equal(await store.tiers.inS3(hash), false);
      assert.equal(await store.tiers.block(hash), null);
      assert.deepEqual(await store.tiers.packsAfter('', 10), []);
      assert.notEqual(await store.tiers.scrubCursor(), hash);
    });

    it('tier index: the S3 records\' lock makes a second holder wait until the first ends', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      const order: string[] = [];
      const first = store.transaction(async (tx) => {
        await tx.lockS3Objects();
        locked();
        await gate;
        order.push('first ends');
      });
      await holding;
      const second = store.transaction(async (tx) => {
        await tx.lockS3Objects();
        order.push('second holds');
      });
      await waitFor(() => backend.someoneWaits(), 'the second to wait for the lock');
      release();
      await Promise.all([first, second]);
      assert.deepEqual(order, ['first ends', 'second holds']);
    });

    it('keeps its server id and every commit across a reopen', async () => {
      const id = await store.serverId();
      const head = await store.head(kim);
      await store.close();
      store = await backend.reopen();
      committer = new Committer(store);
      assert.equal(await store.serverId(), id);
      assert.equal(await store.head(kim), head);
      assert.equal((await store.latest(kim, 'notes.md'))?.deleted, false);
    });
  });
}

describe('tier index: SQLite and PostgreSQL answer alike', { skip: postgresMissing() }, () => {
  it('gives the same transcript of every tier question and record on both engines', async () => {
    const dir = tempDir('hsync-tiers-');
    const server = await startPostgres();
    try {
      const sqlite = SqliteMetaStore.open(dir);
      const expected = await tierTranscript(sqlite).finally(() => sqlite.close());
      const postgres = await openPostgresStore(server.url);
      const actual = await tierTranscript(postgres).finally(() => postgres.close());
      assert.equal(actual.length, expected.length);
      for (let i = 0; i < expected.length; i++) assert.deepEqual(actual[i], expected[i], `answer ${i}: ${expected[i][0]}`);
      // Spot checks that the reference itself is right.
      const answer = (what: string) => expected.find(([w]) => w === what)![1];
      assert.deepEqual(answer('objects past the end'), []);
      assert.deepEqual(answer('in-house past the end'), []);
      assert.deepEqual(answer('empty packs after'), ['pack-a']);
      assert.deepEqual(answer('files using'), [[{ namespace: 'ann', path: 'a.txt' }], [], []]);
      assert.equal(answer('healed'), 1);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL schema migrations', { skip: postgresMissing() }, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => server?.stop());

  it('are applied once, at the first start, and recorded with their versions', async () => {
    const first = await openPostgresStore(server.url);
    await first.close();
    const second = await openPostgresStore(server.url);
    await second.close();
    const client = new pg.Client(server.url);
    await client.connect();
    try {
      const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows, [{ version: 1 }, { version: 2 }, { version: 3 }]);
    } finally {
      await client.end();
    }
  });
});
