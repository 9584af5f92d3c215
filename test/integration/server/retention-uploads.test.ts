// The retention sweep never frees a block an upload may still commit (docs/hybrid-storage.md
// "Retention"): the server's own database and block files in a temp dir, the sweep's clock
// set by the test. An uploaded block no revision uses yet stays for the grace period after
// its upload; a block whose bytes were just written again, its rows not yet recorded, stays
// whatever its rows' age.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { blockHashOf } from '../../../shared/node/blocks/content-hash.js';
import { BlockFiles } from '../../../server/blocks/block-files.js';
import { BlockIndex } from '../../../server/blocks/block-index.js';
import { Ownership } from '../../../server/meta/ownership.js';
import { sweepRetention, UPLOAD_GRACE_MS } from '../../../server/meta/retention.js';
import { createUser } from '../../../server/store/accounts.js';
import { openDatabase, type Db } from '../../../server/store/database.js';
import { SqliteMetaStore } from '../../../server/store/sqlite-store.js';
import { openTiers, type OpenTiers } from '../../../server/tiers/open-tiers.js';

let dir: string;
let db: Db;
let tiers: OpenTiers;
let store: SqliteMetaStore;
let namespace: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hsync-retention-uploads-'));
  db = openDatabase(dir);
  new BlockFiles(dir).init();
  store = new SqliteMetaStore(db);
  tiers = openTiers(store, { dataDir: dir });
  createUser(db, 'alice');
  namespace = db.prepare('SELECT id FROM namespaces WHERE name = ?').pluck().get('alice') as number;
});
afterEach(async () => {
  tiers.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** What PUT /v1/blocks/<hash> does: the bytes into place, then the block's rows. */
async function upload(files: BlockFiles, bytes: Buffer, record = true): Promise<string> {
  const hash = blockHashOf(bytes);
  const temp = await files.createTemp();
  await temp.write([bytes]);
  await files.commitLoose(temp, hash);
  if (record) {
    db.transaction(() => {
      new BlockIndex(db).place([{ hash, size: bytes.length, pack: null, offset: null }]);
      new Ownership(db).add(namespace, [hash]);
    })();
  }
  return hash;
}

const sweep = (files: BlockFiles, at: number) => sweepRetention({ db, index: store.tierIndex, files, tiers: tiers.service, retentionDays: 30, now: () => at });
const stored = (files: BlockFiles, hash: string) => existsSync(files.loosePath(hash)) && db.prepare('SELECT 1 FROM blocks WHERE hash = ?').get(hash) !== undefined;

test('an uploaded block no revision uses yet stays for the grace period after its upload, then goes', async () => {
  const hash = await upload(new BlockFiles(dir), Buffer.from('uploaded, its commit not sent yet'));
  const uploadedAt = Date.now();
  // Swept by a later process (a restart): nothing of the write is left in memory.
  const later = new BlockFiles(dir);

  assert.equal((await sweep(later, uploadedAt + UPLOAD_GRACE_MS - 60_000)).blocks, 0);
  assert.ok(stored(later, hash), 'kept: its commit may still come');

  const freed = await sweep(later, uploadedAt + UPLOAD_GRACE_MS + 60_000);
  assert.equal(freed.blocks, 1);
  assert.ok(!existsSync(later.loosePath(hash)), 'the loose file is deleted');
  assert.equal(new Ownership(db).owns(namespace, hash), false, 'a commit naming it now asks for the bytes again');
});

test('a block written again moments ago keeps its bytes and rows, however old the rows are', async () => {
  const files = new BlockFiles(dir);
  const hash = await upload(files, Buffer.from('uploaded long ago, never committed'));
  db.prepare('UPDATE block_owners SET owned_at = 0').run();
  db.prepare('UPDATE blocks SET created_at = 0').run();
  // A new upload of the same block: its bytes are in place, its rows not recorded yet.
  const fresh = new BlockFiles(dir);
  await upload(fresh, Buffer.from('uploaded long ago, never committed'), false);

  assert.equal((await sweep(fresh, Date.now() + 40 * 86_400_000)).blocks, 0);
  assert.ok(stored(fresh, hash), 'the upload that is recording its rows finds its bytes in place');
});
