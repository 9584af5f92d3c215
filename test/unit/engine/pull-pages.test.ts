// pullPages stores every page in order with the cursor after it, asks for the next page
// before the current one is stored, and stops at the end or at the first failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ListResponse } from '../../../shared/common/protocol.js';
import { pullPages } from '../../../shared/node/engine/pull-pages.js';

/** The smallest well-formed journal entry: a deletion names no content. */
function deletion(id: number) {
  return { id, path: `f${id}`, rev: id, fileId: `file${id}`, deleted: true, size: 0, mtime: 0, contentHash: null, blocks: [], device: 'laptop', committedAt: 0 };
}

function fakeRemote(total: number, failAt?: number) {
  const asked: number[] = [];
  return {
    asked,
    async list(cursor: number, limit = 1000): Promise<ListResponse> {
      asked.push(cursor);
      await new Promise((r) => setTimeout(r, 2));
      if (failAt !== undefined && cursor >= failAt) throw Object.assign(new Error('list: server gone'), { code: 'unavailable' });
      const end = Math.min(total, cursor + limit);
      const entries = [];
      for (let id = cursor + 1; id <= end; id++) entries.push(deletion(id));
      return { entries, cursor: end, hasMore: end < total } as unknown as ListResponse;
    },
  };
}

test('every page is stored once, in order, up to the end', async () => {
  const remote = fakeRemote(2500);
  const stored: number[] = [];
  let ids: number[] = [];
  await pullPages(remote, 0, (page) => {
    stored.push(page.cursor);
    ids = ids.concat(page.entries.map((e) => e.id));
  }, 1000);
  assert.deepEqual(stored, [1000, 2000, 2500]);
  assert.deepEqual(ids, Array.from({ length: 2500 }, (_, i) => i + 1));
  assert.deepEqual(remote.asked, [0, 1000, 2000]);
});

test('the next page is asked for before the current one is stored', async () => {
  const remote = fakeRemote(3000);
  const askedWhenStoring: number[] = [];
  await pullPages(remote, 0, () => askedWhenStoring.push(remote.asked.length), 1000);
  assert.deepEqual(askedWhenStoring, [2, 3, 3]);
});

test('a failing store stops the pull with its error; a failing list rejects', async () => {
  const remote = fakeRemote(5000);
  await assert.rejects(
    pullPages(remote, 0, (page) => {
      if (page.cursor === 2000) throw new Error('index full');
    }, 1000),
    /index full/,
  );
  const stored: number[] = [];
  await assert.rejects(pullPages(fakeRemote(5000, 2000), 0, (page) => stored.push(page.cursor), 1000), /server gone/);
  assert.deepEqual(stored, [1000, 2000]);
});

test('an empty journal is one request and one (empty) page', async () => {
  const remote = fakeRemote(0);
  const stored: number[] = [];
  await pullPages(remote, 0, (page) => stored.push(page.entries.length));
  assert.deepEqual(stored, [0]);
  assert.equal(remote.asked.length, 1);
});

test('a cursor that does not advance while more pages are promised is an error, not a loop', async () => {
  let asked = 0;
  const stuck = {
    async list(cursor: number): Promise<ListResponse> {
      if (++asked > 3) throw new Error('asked again and again');
      return { entries: cursor === 0 ? [deletion(1)] : [], cursor: 1, hasMore: true } as unknown as ListResponse;
    },
  };
  await assert.rejects(pullPages(stuck, 0, () => undefined), { code: 'bad_request', message: 'list journal from 1: the cursor did not advance (still 1) while "hasMore" says more follow' });
  assert.equal(asked, 2);
});
