// `hsync server --db postgres://…` end to end: real `hsync server` processes keep their
// metadata in a throwaway PostgreSQL (test/helpers/postgres.ts), and `hsync sync --once`
// clients converge through them, in one process and split (a block service, s3rver as the
// S3 tier). The one-shot subcommands read the same database through --db / HSYNC_DB_URL.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startHybridCluster, type HybridCluster, type TierStatsJson } from '../../helpers/hybrid-cluster.js';
import { device, syncCli, tree, writeFiles, type Device } from '../../helpers/hybrid-devices.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

/** A new user on the database at `url`, through the CLI as an operator adds one. */
async function addUser(url: string, name: string): Promise<string> {
  const added = await runHsync(['server', 'user', 'add', name], { HSYNC_DB_URL: url });
  assert.equal(added.code, 0, added.stderr);
  return added.stdout.trim();
}

async function rowCount(url: string, sql: string): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql)).rows[0].n);
  } finally {
    await client.end();
  }
}

async function expectSync(serverUrl: string, d: Device): Promise<void> {
  const result = await syncCli(serverUrl, d);
  assert.equal(result.code, 0, `${d.name}: ${result.stderr}`);
}

const devices: Device[] = [];
async function newDevice(name: string, token: string): Promise<Device> {
  const d = await device(name, token);
  devices.push(d);
  return d;
}

describe('hsync server --db: clients converge through metadata in PostgreSQL', { skip: postgresMissing() }, () => {
  let db: TestPostgres;
  before(async () => {
    db = await startPostgres();
  });
  after(async () => {
    for (const d of devices) {
      await rm(d.root, { recursive: true, force: true });
      await rm(d.state, { recursive: true, force: true });
    }
    await db?.stop();
  });

  it('one process: two devices converge both ways; the journal is in PostgreSQL and the data dir holds only blocks', async () => {
    const url = db.createDatabase('single');
    let server: ServerProcess | null = null;
    try {
      server = await startServerProcess({ args: ['--db', url, '--scrub-rate-mb', '0'] });
      const token = await addUser(url, 'ann');
      const a = await newDevice('a', token);
      const b = await newDevice('b', token);
      await writeFiles(a.root, 'docs', [10, 5000, 300_000, 5 * 1024 * 1024]);
      await expectSync(server.url, a);
      await expectSync(server.url, b);
      assert.deepEqual(await tree(b.root), await tree(a.root));
      await writeFile(join(b.root, 'docs', 'file-0.bin'), 'changed on b');
      await writeFile(join(b.root, 'from-b.txt'), 'new on b');
      await expectSync(server.url, b);
      await expectSync(server.url, a);
      assert.deepEqual(await tree(a.root), await tree(b.root));
      assert.equal(Object.keys(await tree(a.root)).length, 5);
      assert.ok((await rowCount(url, 'SELECT COUNT(*) AS n FROM journal')) >= 6, 'every commit is a journal row in PostgreSQL');
      assert.equal(existsSync(join(server.dataDir, 'server.db')), false, 'no SQLite metadata beside the blocks');

      const stats = await runHsync(['server', 'stats', '--db', url, '--json']);
      assert.equal(stats.code, 0, stats.stderr);
      const figures = JSON.parse(stats.stdout) as TierStatsJson;
      assert.equal(figures.tiers.inhouse.blocks, await rowCount(url, 'SELECT COUNT(*) AS n FROM blocks'));
      assert.ok(figures.tiers.inhouse.blocks >= 5);
      const scrub = await runHsync(['server', 'scrub', '--once', '--data', server.dataDir], { HSYNC_DB_URL: url });
      assert.equal(scrub.code, 0, scrub.stderr);
      assert.match(scrub.stdout, new RegExp(`^scrubbed ${figures.tiers.inhouse.blocks} blocks .*; 0 corrupt\\n$`));
    } finally {
      await server?.dispose();
    }
  });

  describe('split: metadata on PostgreSQL, a block service, s3rver as the S3 tier', () => {
    let cluster: HybridCluster;
    let url: string;
    before(async () => {
      url = db.createDatabase('split');
      cluster = await startHybridCluster(['--db', url]);
    });
    after(async () => cluster?.dispose());

    /** `hsync server SUB --db URL` with the S3 and block-service flags. */
    const admin = (sub: string[], extra: string[] = []) =>
      runHsync(['server', ...sub, '--db', url, ...cluster.s3.flags, '--block-service', cluster.blockServiceUrl, '--secret-file', cluster.secretFile, ...extra], cluster.s3.env);
    const stats = async () => {
      const result = await runHsync(['server', 'stats', '--json'], { HSYNC_DB_URL: url });
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as TierStatsJson;
    };

    it('two devices converge; set-placement, stats, repatriate and scrub work on the database', async () => {
      const token = await addUser(url, 'bo');
      const a = await newDevice('sa', token);
      const b = await newDevice('sb', token);
      const placed = await runHsync(['server', 'namespace', 'set-placement', 'bo', 's3', '--db', url]);
      assert.equal(placed.code, 0, placed.stderr);
      assert.equal(placed.stdout, 'bo: placement s3\n');
      await writeFiles(a.root, 'eu', [2 * 1024 * 1024, 70_000, 300, 12]);
      await expectSync(cluster.meta.url, a);
      await expectSync(cluster.meta.url, b);
      assert.deepEqual(await tree(b.root), await tree(a.root));
      const inS3 = await stats();
      assert.ok(inS3.tiers.s3.blocks >= 4, `the s3 namespace's blocks are in S3: ${JSON.stringify(inS3.tiers)}`);
      assert.equal(inS3.tiers.inhouse.blocks, 0, 'and only there');
      assert.equal((await cluster.blockServiceHashes()).size, 0);

      assert.equal((await runHsync(['server', 'namespace', 'set-placement', 'bo', 'inhouse', '--db', url])).code, 0);
      const home = await admin(['repatriate', '--once'], ['--grace-sec', '0']);
      assert.equal(home.code, 0, home.stderr);
      assert.match(home.stdout, new RegExp(`^repatriated ${inS3.tiers.s3.blocks} blocks`));
      const after = await stats();
      assert.equal(after.pendingRepatriation, 0);
      assert.equal(after.tiers.inhouse.blocks, inS3.tiers.s3.blocks);
      assert.deepEqual(await cluster.blockServiceHashes(), new Set(await hashesIn(url)));

      await writeFile(join(b.root, 'eu', 'late.txt'), 'after the move home');
      await expectSync(cluster.meta.url, b);
      await expectSync(cluster.meta.url, a);
      assert.deepEqual(await tree(a.root), await tree(b.root));
      const scrub = await admin(['scrub', '--once']);
      assert.equal(scrub.code, 0, scrub.stderr);
      assert.match(scrub.stdout, /; 0 corrupt\n$/);
    });
  });
});

async function hashesIn(url: string): Promise<string[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<{ hash: string }>("SELECT hash FROM blocks WHERE tier = 'inhouse'")).rows.map((r) => r.hash);
  } finally {
    await client.end();
  }
}
