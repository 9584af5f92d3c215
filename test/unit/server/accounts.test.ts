import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authenticate, createUser } from '../../../server/store/accounts.js';
import { openDatabase, serverIdOf, type Db } from '../../../server/store/database.js';

describe('accounts', () => {
  let dir: string;
  let db: Db;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hsync-accounts-'));
    db = openDatabase(dir);
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a user with a home namespace and a token that authenticates only itself', () => {
    const token = createUser(db, 'kim');
    const other = createUser(db, 'lee');
    assert.match(token, /^hst_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual({ ...authenticate(db, token), userId: 0, namespaceId: 0 }, { userId: 0, user: 'kim', namespaceId: 0, namespace: 'kim' });
    assert.equal(authenticate(db, other)?.user, 'lee');
    assert.equal(authenticate(db, `${token}x`), null);
    assert.equal(authenticate(db, ''), null);
  });

  it('stores only a hash of the token', () => {
    const token = createUser(db, 'max');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const file = readFileSync(join(dir, 'server.db'));
    assert.equal(file.includes(Buffer.from(token)), false);
  });

  it('refuses a taken or malformed name with a clear error', () => {
    assert.throws(() => createUser(db, 'kim'), { code: 'bad_request', message: 'add user "kim": a user with this name exists' });
    for (const bad of ['', '../x', 'a b', '-lead', 'x'.repeat(65)]) {
      assert.throws(() => createUser(db, bad), { code: 'bad_request' }, bad);
    }
  });

  it('keeps one server id for the life of the data dir', () => {
    const id = serverIdOf(db);
    const again = openDatabase(dir);
    assert.equal(serverIdOf(again), id);
    again.close();
  });
});
