// A path's newest entry is looked up on every commit: it must come from the by-path index,
// not from a walk over the namespace's whole journal.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Journal, LATEST_SQL, REVISIONS_SQL } from '../../../server/meta/journal.js';
import { createUser } from '../../../server/store/accounts.js';
import { openDatabase, type Db } from '../../../server/store/database.js';

describe('journal', () => {
  let dir: string;
  let db: Db;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hsync-journal-'));
    db = openDatabase(dir);
    createUser(db, 'kim');
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('looks a path up through the by-path index', () => {
    for (const [sql, params] of [
      [LATEST_SQL, [1, 'a.txt']],
      [REVISIONS_SQL, [1, 'a.txt', 10, 5]],
    ] as const) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
      assert.match(plan.map((p) => p.detail).join('; '), /USING (COVERING )?INDEX journal_by_path/, sql);
    }
  });

  it('finds the newest entry of a path among thousands of others', () => {
    const journal = new Journal(db);
    const entry = (path: string, size: number) => ({ path, fileId: `id-${path}`, deleted: false, size, mtime: 0, contentHash: null, blocks: [], device: 'd' });
    db.transaction(() => {
      journal.append(1, entry('a.txt', 1));
      for (let i = 0; i < 5000; i++) journal.append(1, entry(`f${i}`, i));
      journal.append(1, entry('a.txt', 2));
    })();
    assert.equal(journal.latest(1, 'a.txt')?.size, 2);
    assert.deepEqual(journal.revisions(1, 'a.txt').map((e) => e.size), [2, 1]);
    assert.equal(journal.latest(1, 'nope'), null);
  });
});
