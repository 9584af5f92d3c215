import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContentHash } from '../../../shared/common/blocks.js';
import type { JournalEntry } from '../../../shared/common/protocol.js';
import type { TrashEntry } from '../../../shared/node/engine/local-trash.js';
import { inPlace, keptAt, liveOf, NothingToRestore, pickFolder, pickRevision } from '../../../shared/node/engine/restore-choice.js';

const entry = (path: string, rev: number, committedAt: number, deleted = false): JournalEntry => ({
  id: rev, path, rev, fileId: `f-${path}`, deleted, size: deleted ? 0 : rev, mtime: 0,
  contentHash: deleted ? null : (String(rev).padStart(64, '0') as ContentHash), blocks: [], device: 'pc', committedAt,
});
const trashed = (path: string, trashedAt: number): TrashEntry => ({ id: `${trashedAt}-1-00000000`, path, trashedAt, size: 1, contentHash: null, rev: null, reason: 'deleted' });

test('a file: the newest live revision, or the one named by --rev or --at', () => {
  const revs = [entry('a', 3, 300, true), entry('a', 2, 200), entry('a', 1, 100)];
  assert.equal(pickRevision('a', revs, {}).rev, 2);
  assert.equal(pickRevision('a', revs, { rev: 1 }).rev, 1);
  assert.equal(pickRevision('a', revs, { at: 150 }).rev, 1);
  assert.throws(() => pickRevision('a', revs, { rev: 3 }), (e: Error) => e instanceof NothingToRestore && /is a deletion/.test(e.message));
  assert.throws(() => pickRevision('a', revs, { rev: 9 }), /no revision 9/);
  assert.throws(() => pickRevision('a', revs, { at: 50 }), /did not exist at/);
  assert.throws(() => pickRevision('a', revs, { at: 300 }), /was deleted at/);
  assert.equal(liveOf(revs), null);
  assert.equal(liveOf(revs.slice(1))?.rev, 2);
});

test('a folder without --at: the trash first, else the newest live revision of what was deleted', () => {
  const journal = [entry('d/x', 1, 100), entry('d/x', 4, 400, true), entry('d/y', 2, 200), entry('dd/z', 3, 300), entry('d/w', 5, 500)];
  const picks = pickFolder('d', [trashed('d/y', 1), trashed('d/t', 2), trashed('e/u', 3)], journal, {});
  assert.deepEqual(picks.map((p) => [p.path, p.version.kind, p.live?.rev ?? null]), [['d/t', 'trash', null], ['d/w', 'server', 5], ['d/x', 'server', null], ['d/y', 'trash', 2]]);
  assert.equal(inPlace({}, null, 'h'), true, 'without --at any file there stays');
  assert.equal(inPlace({}, undefined, 'h'), false);
});

test('a folder --at T: each file as it was at T, none for files born or deleted by then', () => {
  const journal = [entry('d/a', 1, 100), entry('d/a', 5, 500), entry('d/b', 2, 200, false), entry('d/b', 3, 250, true), entry('d/c', 6, 600)];
  const picks = pickFolder('d', [trashed('d/c', 1)], journal, { at: 300 });
  assert.deepEqual(picks.map((p) => [p.path, p.version.kind === 'server' ? p.version.entry.rev : null]), [['d/a', 1]]);
  assert.equal(inPlace({ at: 300 }, 'h', 'h'), true);
  assert.equal(inPlace({ at: 300 }, 'g', 'h'), false);
});

test('--at T with no server: the trash copy this disk held at T, the first removed after T', () => {
  const trash = [trashed('d/a', 100), trashed('d/a', 300), trashed('d/b', 150), trashed('e/c', 400)];
  assert.equal(keptAt(trash, 'd/a', 50)?.trashedAt, 100);
  assert.equal(keptAt(trash, 'd/a', 100)?.trashedAt, 300, 'removed at T: gone by then');
  assert.equal(keptAt(trash, 'd/a', 300), null);
  const picks = pickFolder('d', trash, null, { at: 120 });
  assert.deepEqual(picks.map((p) => [p.path, p.version.kind, p.version.kind === 'trash' ? p.version.entry.trashedAt : null]), [['d/a', 'trash', 300], ['d/b', 'trash', 150]]);
  assert.deepEqual(pickFolder('d', trash, null, { at: 350 }), [], 'nothing held then is in the trash');
});
