// Selective sync's pure parts: the planner rule for a path inside an excluded folder, the
// cleaning of the folder list, the conflict folder's name and the server's folder tree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlockHash, ContentHash } from '../../../shared/common/blocks.js';
import type { JournalEntry } from '../../../shared/common/protocol.js';
import { DEFAULT_PLAN_OPTIONS, plan, planExcluded } from '../../../shared/node/engine/planner.js';
import { cleanFolderList, cleanFolderPath, cleanSelection, ExcludedFolders, selectiveSyncConflictPath } from '../../../shared/node/engine/selective-sync.js';
import { listServerFolders } from '../../../shared/node/engine/server-folders.js';
import type { BaseEntry, LocalEntry } from '../../../shared/node/engine/types.js';

const H = (c: string) => c.repeat(64) as ContentHash;
const base = (path: string, hash: string, rev = 1): BaseEntry => ({ path, rev, fileId: `f-${path}`, contentHash: H(hash), size: 10, mtime: 1000, ino: 1, remoteMtime: 1000 });
const local = (path: string, hash: string | null): LocalEntry => ({ path, size: 10, mtime: 2000, ino: 1, contentHash: hash === null ? null : H(hash) });
const remote = (path: string, hash: string | null, rev = 2): JournalEntry => ({
  id: rev, path, rev, fileId: `f-${path}`, deleted: hash === null, size: hash === null ? 0 : 10, mtime: 3000,
  contentHash: hash === null ? null : H(hash), blocks: hash === null ? [] : [H(hash) as string as BlockHash], device: 'other', committedAt: 0,
});

const rows: [string, BaseEntry | undefined, LocalEntry | undefined, JournalEntry | undefined, string | null][] = [
  ['synced, unchanged: leaves the disk', base('big/a', '1'), local('big/a', '1'), undefined, 'unsync'],
  ['unchanged here, edited on the server: leaves (the server keeps this version as a revision)', base('big/a', '1'), local('big/a', '1'), remote('big/a', '2'), 'unsync'],
  ['unchanged here, deleted on the server: leaves into the trash', base('big/a', '1'), local('big/a', '1'), remote('big/a', null), 'unsync'],
  ['edited here: goes up first', base('big/a', '1'), local('big/a', '2'), undefined, 'upload'],
  ['edited here and deleted on the server: the edit goes up', base('big/a', '1'), local('big/a', '2'), remote('big/a', null), 'upload'],
  ['edited here as on the server: leaves', base('big/a', '1'), local('big/a', '2'), remote('big/a', '2'), 'unsync'],
  ['gone here: the base becomes remote, no deletion on the server', base('big/a', '1'), undefined, undefined, 'unsync'],
  ['new on the server: not downloaded', undefined, undefined, remote('big/a', '1'), null],
  ['edited on the server, gone here: not downloaded', base('big/a', '1'), undefined, remote('big/a', '2'), 'unsync'],
  ['never synced here, equal to the server: leaves', undefined, local('big/a', '1'), remote('big/a', '1'), 'unsync'],
  ['never synced here, not on the server: goes aside', undefined, local('big/a', '1'), undefined, 'unsync_aside'],
  ['never synced here, differs from the server: goes aside', undefined, local('big/a', '2'), remote('big/a', '1'), 'unsync_aside'],
  ['still being written: waits', base('big/a', '1'), local('big/a', null), undefined, 'waiting'],
];

for (const [name, b, l, r, expected] of rows) {
  test(`planExcluded: ${name} → ${expected ?? 'nothing'}`, () => {
    const op = planExcluded('big/a', 'big', b, l, r);
    assert.equal(op === null ? null : op === 'waiting' ? 'waiting' : op.kind, expected);
  });
}

test('plan: excluded paths never delete on the server nor download; the rest plans as usual', () => {
  const excluded = new ExcludedFolders(['big']);
  const b = new Map([['big/gone', base('big/gone', '1')], ['big/kept', base('big/kept', '1')], ['bigger/x', base('bigger/x', '1')]]);
  const l = new Map([['big/kept', local('big/kept', '1')]]);
  const r = new Map([['big/new', remote('big/new', '5')], ['top.txt', remote('top.txt', '6')]]);
  const result = plan(b, l, r, { ...DEFAULT_PLAN_OPTIONS, excluded: (path) => excluded.folderOf(path) });
  assert.deepEqual(
    result.ops.map((op) => `${op.kind} ${op.path}`).sort(),
    ['delete_remote bigger/x', 'download top.txt', 'unsync big/gone', 'unsync big/kept'],
  );
});

test('excluding more files than the mass-delete guard allows is not held: the user asked for it', () => {
  const excluded = new ExcludedFolders(['big']);
  const b = new Map<string, BaseEntry>();
  const l = new Map<string, LocalEntry>();
  for (let i = 0; i < 300; i++) {
    b.set(`big/${i}`, base(`big/${i}`, '1'));
    l.set(`big/${i}`, local(`big/${i}`, '1'));
  }
  const result = plan(b, l, new Map(), { ...DEFAULT_PLAN_OPTIONS, excluded: (path) => excluded.folderOf(path) });
  assert.equal(result.ops.filter((op) => op.kind === 'unsync').length, 300);
  assert.deepEqual([result.heldDeletes, result.heldRemoteDeletes], [[], []]);
});

test('folder paths are cleaned; bad ones are refused with the reason', () => {
  assert.equal(cleanFolderPath('./Photos/2019/'), 'Photos/2019');
  assert.equal(cleanFolderPath(' big '), 'big');
  assert.equal(cleanFolderPath('cafe\u0301'), 'caf\u00e9');
  assert.throws(() => cleanFolderPath('../outside'), { code: 'bad_request', message: /"\.\." segment/ });
  assert.throws(() => cleanFolderPath('/etc'), { code: 'bad_request', message: /absolute path/ });
  assert.throws(() => cleanFolderPath('.hsync'), { code: 'bad_request', message: /reserved/ });
  assert.throws(() => cleanFolderPath(''), { code: 'bad_request' });
  assert.deepEqual(cleanFolderList(['b/c', 'a', 'b', 'a/x', 'a']), ['a', 'b']);
});

test('a path is under an excluded folder only at a folder boundary', () => {
  const excluded = new ExcludedFolders(['big', 'docs/old']);
  assert.equal(excluded.folderOf('big'), null, 'a file named like the folder is not in it');
  assert.equal(excluded.folderOf('big/x/y.txt'), 'big');
  assert.equal(excluded.folderOf('bigger/x'), null);
  assert.equal(excluded.folderOf('docs/old/a'), 'docs/old');
  assert.equal(excluded.folderOf('docs/older/a'), null);
  assert.equal(excluded.folderOf('docs/a'), null);
});

test('a folder taken back inside an excluded one syncs, and so does all of it but a folder excluded inside it again', () => {
  const selection = new ExcludedFolders(['big', 'big/sub/tmp'], ['big/sub']);
  assert.equal(selection.folderOf('big/a.txt'), 'big');
  assert.equal(selection.folderOf('big/other/x'), 'big');
  assert.equal(selection.folderOf('big/sub'), 'big', 'a file named like the folder taken back is in big itself');
  assert.equal(selection.folderOf('big/sub/x'), null);
  assert.equal(selection.folderOf('big/sub/deep/x'), null);
  assert.equal(selection.folderOf('big/sub/tmp/x'), 'big/sub/tmp');
  assert.equal(selection.folderOf('bigger/x'), null);
});

test('a selection is cleaned: taken-back folders only inside excluded ones, no excluded folder covered twice, none both', () => {
  assert.deepEqual(cleanSelection(['big', 'big/sub/tmp', 'big/old', 'docs'], ['big/sub', 'docs2', 'big/sub/deeper', './big/new/']), {
    excluded: ['big', 'big/sub/tmp', 'docs'],
    included: ['big/new', 'big/sub'],
  });
  assert.throws(() => cleanSelection(['big'], ['big/']), { code: 'bad_request', message: /"big" is both excluded and taken back/ });
});

test('the command line\'s changes: including a subfolder takes it back alone, including the folder takes it whole, excluding drops what was taken back inside', () => {
  const big = new ExcludedFolders(['big', 'old']);
  assert.deepEqual(big.change([], ['big/sub']), { excluded: ['big', 'old'], included: ['big/sub'] });
  assert.deepEqual(big.change([], ['big']), { excluded: ['old'], included: [] });
  assert.deepEqual(big.change([], ['elsewhere']), { excluded: ['big', 'old'], included: [] });
  const partial = new ExcludedFolders(['big'], ['big/sub', 'big/keep']);
  assert.deepEqual(partial.change(['big'], []), { excluded: ['big'], included: [] });
  assert.deepEqual(partial.change(['big/sub'], []), { excluded: ['big'], included: ['big/keep'] });
  assert.deepEqual(partial.change([], ['big']), { excluded: [], included: [] });
});

test('the conflict folder keeps the file\'s place under it and takes the next free number', () => {
  assert.equal(selectiveSyncConflictPath('big/sub/a.txt', 'big', () => false), 'big (selective sync conflict)/sub/a.txt');
  const taken = new Set(['docs/old (selective sync conflict)/a.txt']);
  assert.equal(selectiveSyncConflictPath('docs/old/a.txt', 'docs/old', (p) => taken.has(p)), 'docs/old (selective sync conflict 2)/a.txt');
});

test('the server\'s folder tree: one level at a time, from base and remote, deleted files gone, excluded ones marked', () => {
  const excluded = new ExcludedFolders(['Photos/2019', 'gone']);
  const b = new Map([
    ['Photos/2019/a.jpg', base('Photos/2019/a.jpg', '1')],
    ['Photos/2020/b.jpg', base('Photos/2020/b.jpg', '1')],
    ['old/x.txt', base('old/x.txt', '1')],
    ['top.txt', base('top.txt', '1')],
  ]);
  const r = new Map([['old/x.txt', remote('old/x.txt', null)], ['Work/deep/er/c.txt', remote('Work/deep/er/c.txt', '2')]]);
  assert.deepEqual(listServerFolders('', b, r, excluded), [
    { path: 'Photos', name: 'Photos', excluded: false, hasFolders: true },
    { path: 'Work', name: 'Work', excluded: false, hasFolders: true },
    { path: 'gone', name: 'gone', excluded: true, hasFolders: false },
  ]);
  assert.deepEqual(listServerFolders('Photos', b, r, excluded), [
    { path: 'Photos/2019', name: '2019', excluded: true, hasFolders: false },
    { path: 'Photos/2020', name: '2020', excluded: false, hasFolders: false },
  ]);
  assert.deepEqual(listServerFolders('Work/deep', b, r, excluded), [{ path: 'Work/deep/er', name: 'er', excluded: false, hasFolders: false }]);
});
