// `hsync server copy --data DIR --db URL` moves a SQLite server's metadata into PostgreSQL:
// real server processes and `hsync sync --once` clients, a throwaway PostgreSQL
// (test/helpers/postgres.ts). Every table is compared row by row with the SQLite database,
// and the clients go on syncing through the server restarted on PostgreSQL.
import assert from 'node:assert/strict';
import { rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { COPIED_TABLES } from '../../../server/store/copy-to-postgres.js';
import { types } from '../../../server/store/postgres-store.js';
import { device, syncCli, tree, writeFiles, type Device } from '../../helpers/hybrid-devices.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

/** Every row of every table, each table's rows in one order, as JSON. */
async function tablesOf(query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of COPIED_TABLES) out[table] = (await query(`SELECT * FROM ${table}`)).map((row) => JSON.stringify(row)).sort();
  return out;
}

const healthOf = async (url: string) => ((await (await fetch(`${url}/v1/health`)).json()) as { serverId: string }).serverId;

describe('hsync server copy: a SQLite server moves to PostgreSQL', { skip: postgresMissing() }, () => {
  let db: TestPostgres;
  let sqliteServer: ServerProcess | null = null;
  let pgServer: ServerProcess | null = null;
  const devices: Device[] = [];
  before(async () => {
    db = await startPostgres();
  });
  after(async () => {
    await pgServer?.dispose();
    await sqliteServer?.dispose();
    for (const d of devices) {
      await rm(d.root, { recursive: true, force: true });
      await rm(d.state, { recursive: true, force: true });
    }
    await db?.stop();
  });

  it('copies every table and revision; the clients sync on through the server on PostgreSQL', async () => {
    sqliteServer = await startServerProcess();
    const token = await sqliteServer.addUser('ann');
    await sqliteServer.addUser('cy');
    const [a, b] = [await device('copy-a', token), await device('copy-b', token)];
    devices.push(a, b);
    await writeFiles(a.root, 'work', [10, 9000, 2 * 1024 * 1024, 0]);
    assert.equal((await syncCli(sqliteServer.url, a)).code, 0);
    await writeFile(join(a.root, 'work', 'file-0.bin'), 'second revision');
    await unlink(join(a.root, 'work', 'file-1.bin'));
    assert.equal((await syncCli(sqliteServer.url, a)).code, 0);
    assert.equal((await syncCli(sqliteServer.url, b)).code, 0);
    const serverId = await healthOf(sqliteServer.url);
    assert.equal(await sqliteServer.stop(), 0);

    const copied = await runHsync(['server', 'copy', '--data', sqliteServer.dataDir, '--db', db.url]);
    assert.equal(copied.code, 0, copied.stderr);
    assert.match(copied.stdout, /^journal: \d+ rows$/m);

    const sqlite = new Database(join(sqliteServer.dataDir, 'server.db'), { readonly: true });
    const client = new pg.Client({ connectionString: db.url, types });
    await client.connect();
    try {
      const before = await tablesOf(async (sql) => sqlite.prepare(sql).all() as Record<string, unknown>[]);
      const moved = await tablesOf(async (sql) => (await client.query(sql)).rows);
      for (const table of COPIED_TABLES) assert.deepEqual(moved[table], before[table], table);
      assert.equal(before.journal.length, 6, 'every revision: four files, a second revision and a deletion');
      assert.equal(before.users.length, 2);
    } finally {
      sqlite.close();
      await client.end();
    }

    pgServer = await startServerProcess({ dataDir: sqliteServer.dataDir, args: ['--db', db.url] });
    assert.equal(await healthOf(pgServer.url), serverId, 'the same server to its clients');
    await writeFile(join(b.root, 'after-the-move.txt'), 'written on b');
    assert.equal((await syncCli(pgServer.url, b)).code, 0);
    assert.equal((await syncCli(pgServer.url, a)).code, 0);
    assert.deepEqual(await tree(a.root), await tree(b.root));
    const c = await device('copy-c', token);
    devices.push(c);
    const fresh = await syncCli(pgServer.url, c);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(await tree(c.root), await tree(a.root), 'a new device gets every file, blocks from the same data dir');
    const added = await runHsync(['server', 'user', 'add', 'dee', '--db', db.url]);
    assert.equal(added.code, 0, `a new user after the copy gets a new id: ${added.stderr}`);

    const again = await runHsync(['server', 'copy', '--data', sqliteServer.dataDir, '--db', db.url]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /the database already holds namespaces; copy only into a new, empty database/);
  });
});
