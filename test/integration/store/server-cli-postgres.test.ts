// `hsync server migrate` and `hsync server user add` on a PostgreSQL database, as a real
// `hsync` process against a throwaway PostgreSQL (test/helpers/postgres.ts).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPostgresStore } from '../../../server/store/postgres-store.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { runHsync } from '../../helpers/server-process.js';

describe('hsync server on PostgreSQL metadata', { skip: postgresMissing() }, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => server?.stop());

  it('migrate applies the schema once and says so; a second run finds it up to date', async () => {
    const url = server.createDatabase('fresh');
    const first = await runHsync(['server', 'migrate', '--db', url]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'schema version 3 (applied 1, 2, 3)\n');
    const again = await runHsync(['server', 'migrate'], { HSYNC_DB_URL: url });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'schema version 3 (up to date)\n');
  });

  it('user add through HSYNC_DB_URL prints a token that the database then authenticates', async () => {
    const added = await runHsync(['server', 'user', 'add', 'kim'], { HSYNC_DB_URL: server.url });
    assert.equal(added.code, 0, added.stderr);
    const token = added.stdout.trim();
    const store = await openPostgresStore(server.url);
    try {
      const caller = await store.authenticate(token);
      assert.equal(caller?.user, 'kim');
      assert.equal(caller?.namespace, 'kim');
    } finally {
      await store.close();
    }
    const twice = await runHsync(['server', 'user', 'add', 'kim', '--db', server.url]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /add user "kim": a user with this name exists/);
  });

  it('refuses a URL that is not postgres:// and names an unreachable database without its password', async () => {
    const bad = await runHsync(['server', 'migrate', '--db', 'mysql://root@127.0.0.1/x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--db must be a postgres:\/\/USER@HOST:PORT\/DB URL/);
    const down = await runHsync(['server', 'migrate', '--db', 'postgres://kim:s3cret@127.0.0.1:1/hsync']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /database postgres:\/\/kim:\*\*\*@127\.0\.0\.1:1\/hsync: .*ECONNREFUSED/);
    assert.doesNotMatch(down.stderr, /s3cret/);
  });
});
