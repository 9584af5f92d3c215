// Every field of a journal entry from the server is checked before the client uses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_SIZE, EMPTY_CONTENT_HASH } from '../../../shared/common/blocks.js';
import { contentHashOf } from '../../../shared/node/blocks/content-hash.js';
import { checkListPage, MAX_MTIME_MS } from '../../../shared/node/remote/journal-check.js';

const B1 = 'a'.repeat(64);
const B2 = 'b'.repeat(64);
const good = { id: 5, path: 'docs/a.txt', rev: 5, fileId: 'f1', deleted: false, size: BLOCK_SIZE + 10, mtime: 1_700_000_000_000, contentHash: contentHashOf([B1, B2]), blocks: [B1, B2], device: 'laptop', committedAt: 1 };

function refusal(change: Record<string, unknown>): string | null {
  const page = checkListPage({ entries: [{ ...good, ...change }], cursor: 10, hasMore: false }, 0);
  return page.refused[0]?.reason ?? null;
}

test('a well-formed entry passes unchanged; an empty file and a deletion too', () => {
  const empty = { ...good, id: 6, size: 0, blocks: [], contentHash: EMPTY_CONTENT_HASH };
  const gone = { ...good, id: 7, deleted: true, size: 0, blocks: [], contentHash: null };
  const page = checkListPage({ entries: [good, empty, gone], cursor: 7, hasMore: false }, 0);
  assert.deepEqual(page.refused, []);
  assert.deepEqual(page.entries, [good, empty, gone]);
});

test('each bad field is refused with its reason', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ contentHash: 'A'.repeat(64) }, /contentHash is not a 64-digit/],
    [{ contentHash: '../../etc/passwd' }, /contentHash is not/],
    [{ contentHash: contentHashOf([B2, B1]) }, /contentHash does not match its blocks/],
    [{ blocks: [B1, 'zz'] }, /block 1 is not a 64-digit/],
    [{ blocks: 'nope' }, /blocks is not a list/],
    [{ size: BLOCK_SIZE * 2 + 1 }, /needs 3 block\(s\), the entry lists 2/],
    [{ size: 10 }, /needs 1 block\(s\), the entry lists 2/],
    [{ size: -1 }, /size -1 is not a byte count/],
    [{ size: 1.5 }, /size 1.5 is not/],
    [{ mtime: Number.NaN }, /mtime null is not a finite number/],
    [{ mtime: '1' }, /mtime "1" is not/],
    [{ rev: 0 }, /rev 0 is not a positive integer/],
    [{ rev: 2.5 }, /rev 2.5/],
    [{ id: 11 }, /id 11 is not an integer in \(0, 10\]/],
    [{ id: 0 }, /id 0/],
    [{ fileId: '' }, /fileId/],
    [{ device: 7 }, /device/],
    [{ deleted: 'no' }, /"deleted" is not a boolean/],
    [{ path: '../x' }, /".." segment/],
    [{ path: 'cafe\u0301.txt' }, /not in Unicode NFC form/],
  ];
  for (const [change, reason] of cases) assert.match(refusal(change) ?? 'accepted', reason, JSON.stringify(change));
});

test('a bad path is an invalid_path refusal, any other bad field a bad_request, and the rest of the page is kept', () => {
  const page = checkListPage({ entries: [{ ...good, id: 1, path: '/etc/x' }, { ...good, id: 2, size: 1 }, { ...good, id: 3 }, null], cursor: 3, hasMore: false }, 0);
  assert.deepEqual(page.entries.map((e) => e.id), [3]);
  assert.deepEqual(page.refused.map((r) => [r.path, r.code]), [['/etc/x', 'invalid_path'], ['docs/a.txt', 'bad_request'], ['journal entry after 3', 'invalid_path']]);
});

test('mtimes are clamped to what every file system holds', () => {
  const page = checkListPage({ entries: [{ ...good, id: 1, mtime: -5e15 }, { ...good, id: 2, mtime: 9e15 }], cursor: 2, hasMore: false }, 0);
  assert.deepEqual(page.entries.map((e) => e.mtime), [0, MAX_MTIME_MS]);
});

test('ids must rise through the page', () => {
  const page = checkListPage({ entries: [{ ...good, id: 4 }, { ...good, id: 4 }, { ...good, id: 3 }], cursor: 4, hasMore: false }, 0);
  assert.deepEqual(page.entries.map((e) => e.id), [4]);
  assert.equal(page.refused.length, 2);
});

test('a page that is not one, or a cursor that goes back or stands still with more promised, is an error', () => {
  for (const [raw, message] of [
    [null, /not a journal page/],
    [{ entries: {}, cursor: 1, hasMore: false }, /not a journal page/],
    [{ entries: [], cursor: 1, hasMore: 'yes' }, /"hasMore" is not a boolean/],
    [{ entries: [], cursor: 4, hasMore: false }, /cursor 4 is not an integer at or after 5/],
    [{ entries: [], cursor: 5.5, hasMore: false }, /cursor 5.5/],
    [{ entries: [], cursor: 5, hasMore: true }, /the cursor did not advance \(still 5\)/],
  ] as const) {
    assert.throws(() => checkListPage(raw, 5), { code: 'bad_request', message }, JSON.stringify(raw));
  }
  assert.equal(checkListPage({ entries: [], cursor: 5, hasMore: false }, 5).cursor, 5, 'the end of the journal stands still');
});
