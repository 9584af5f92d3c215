// The planner's decision table: one row per combination of base, local and remote.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlockHash, ContentHash } from '../../../shared/common/blocks.js';
import type { JournalEntry } from '../../../shared/common/protocol.js';
import { plan, planPath, isMassDelete, DEFAULT_PLAN_OPTIONS } from '../../../shared/node/engine/planner.js';
import type { BaseEntry, LocalEntry } from '../../../shared/node/engine/types.js';

const H = (c: string) => c.repeat(64) as ContentHash;
const base = (path: string, hash: string, rev = 1, size = 10): BaseEntry => ({
  path, rev, fileId: `f-${path}`, contentHash: H(hash), size, mtime: 1000, ino: 1, remoteMtime: 1000,
});
const local = (path: string, hash: string | null, size = 10, mtime = 2000): LocalEntry => ({
  path, size, mtime, ino: 1, contentHash: hash === null ? null : H(hash),
});
const remote = (path: string, hash: string | null, rev = 2, fileId = `f-${path}`): JournalEntry => ({
  id: rev, path, rev, fileId, deleted: hash === null, size: hash === null ? 0 : 10, mtime: 3000,
  contentHash: hash === null ? null : H(hash), blocks: hash === null ? [] : [H(hash) as string as BlockHash], device: 'other', committedAt: 0,
});

const rows: [string, BaseEntry | undefined, LocalEntry | undefined, JournalEntry | undefined, string | null][] = [
  ['unchanged everywhere', base('a', '1'), local('a', '1'), undefined, null],
  ['new local file', undefined, local('a', '1'), undefined, 'upload'],
  ['local edit', base('a', '1'), local('a', '2'), undefined, 'upload'],
  ['local delete', base('a', '1'), undefined, undefined, 'delete_remote'],
  ['touch only (same hash)', base('a', '1'), { ...local('a', '1'), mtime: 99 }, undefined, null],
  ['new remote file', undefined, undefined, remote('a', '1'), 'download'],
  ['remote edit', base('a', '1'), local('a', '1'), remote('a', '2'), 'download'],
  ['remote delete', base('a', '1'), local('a', '1'), remote('a', null), 'delete_local'],
  ['both edited differently', base('a', '1'), local('a', '2'), remote('a', '3'), 'conflict'],
  ['both edited the same way', base('a', '1'), local('a', '2'), remote('a', '2'), 'adopt'],
  ['both created differently', undefined, local('a', '2'), remote('a', '3'), 'conflict'],
  ['both created identically', undefined, local('a', '2'), remote('a', '2'), 'adopt'],
  ['local delete, remote edit: edit wins', base('a', '1'), undefined, remote('a', '2'), 'download'],
  ['local edit, remote delete: edit wins', base('a', '1'), local('a', '2'), remote('a', null), 'upload'],
  ['both deleted', base('a', '1'), undefined, remote('a', null), 'forget'],
  ['remote rev moved, same content', base('a', '1'), local('a', '1'), remote('a', '1'), 'adopt'],
  ['file still changing', base('a', '1'), local('a', null), undefined, 'waiting'],
  ['truncated to 0 with old mtime', base('a', '1'), { ...local('a', '0', 0, 1000) }, undefined, 'restore'],
  ['emptied on purpose (new mtime)', base('a', '1'), { ...local('a', '0', 0, 5000) }, undefined, 'upload'],
];

for (const [name, b, l, r, expected] of rows) {
  test(`planPath: ${name} → ${expected ?? 'nothing'}`, () => {
    const op = planPath('a', b, l, r);
    assert.equal(op === null ? null : op === 'waiting' ? 'waiting' : op.kind, expected);
  });
}

test('an edit against a remote delete uploads as a new file (parentRev null)', () => {
  const op = planPath('a', base('a', '1'), local('a', '2'), remote('a', null));
  assert.ok(op && op !== 'waiting' && op.kind === 'upload');
  assert.equal(op.parentRev, null);
});

test('a local edit based on a remote revision that only moved the rev uses that rev as parent', () => {
  const op = planPath('a', base('a', '1', 1), local('a', '2'), remote('a', '1', 7));
  assert.ok(op && op !== 'waiting' && op.kind === 'upload');
  assert.equal(op.parentRev, 7);
});

test('a local rename becomes one move, not a delete and an upload', () => {
  const b = new Map([['old/x.txt', base('old/x.txt', '5')]]);
  const l = new Map([['new/x.txt', local('new/x.txt', '5')]]);
  const { ops } = plan(b, l, new Map());
  assert.deepEqual(ops.map((o) => o.kind), ['upload_move']);
  const move = ops[0] as Extract<(typeof ops)[0], { kind: 'upload_move' }>;
  assert.equal(move.from, 'old/x.txt');
  assert.equal(move.path, 'new/x.txt');
  assert.equal(move.fromRev, 1);
});

test('a remote rename of a file held unchanged becomes a local rename', () => {
  const b = new Map([['old.txt', base('old.txt', '5')]]);
  const l = new Map([['old.txt', local('old.txt', '5')]]);
  const r = new Map([
    ['old.txt', remote('old.txt', null, 3)],
    ['new.txt', remote('new.txt', '5', 4, 'f-old.txt')],
  ]);
  const { ops } = plan(b, l, r);
  assert.deepEqual(ops.map((o) => `${o.kind}:${o.path}`), ['move_local:new.txt']);
});

test('a remote rename of a file edited locally is not applied as a rename', () => {
  const b = new Map([['old.txt', base('old.txt', '5')]]);
  const l = new Map([['old.txt', local('old.txt', '6')]]);
  const r = new Map([
    ['old.txt', remote('old.txt', null, 3)],
    ['new.txt', remote('new.txt', '5', 4, 'f-old.txt')],
  ]);
  const kinds = plan(b, l, r).ops.map((o) => `${o.kind}:${o.path}`).sort();
  assert.deepEqual(kinds, ['download:new.txt', 'upload:old.txt']);
});

test('mass deletion is held: more than 100 files and more than half', () => {
  const b = new Map<string, BaseEntry>();
  const l = new Map<string, LocalEntry>();
  for (let i = 0; i < 200; i++) {
    b.set(`f${i}`, base(`f${i}`, (i % 9).toString()));
    if (i >= 150) l.set(`f${i}`, local(`f${i}`, (i % 9).toString()));
  }
  l.set('new', local('new', 'a'));
  const held = plan(b, l, new Map());
  assert.equal(held.heldDeletes.length, 150);
  assert.deepEqual(held.ops.map((o) => o.kind), ['upload'], 'other work goes on');
  const confirmed = plan(b, l, new Map(), { ...DEFAULT_PLAN_OPTIONS, deletesConfirmed: true });
  assert.equal(confirmed.heldDeletes.length, 0);
  assert.equal(confirmed.ops.filter((o) => o.kind === 'delete_remote').length, 150);
});

test('mass deletion from the server is held the same way: more than 100 and more than half of the local files', () => {
  const b = new Map<string, BaseEntry>();
  const l = new Map<string, LocalEntry>();
  const r = new Map<string, JournalEntry>();
  for (let i = 0; i < 200; i++) {
    b.set(`f${i}`, base(`f${i}`, '1'));
    l.set(`f${i}`, { ...local(`f${i}`, '1'), mtime: 1000 });
    if (i < 150) r.set(`f${i}`, remote(`f${i}`, null));
  }
  r.set('new', remote('new', '2'));
  const held = plan(b, l, r);
  assert.equal(held.heldRemoteDeletes.length, 150);
  assert.equal(held.heldDeletes.length, 0);
  assert.deepEqual(held.ops.map((o) => o.kind), ['download'], 'other work goes on');
  const confirmed = plan(b, l, r, { ...DEFAULT_PLAN_OPTIONS, remoteDeletesConfirmed: true });
  assert.equal(confirmed.heldRemoteDeletes.length, 0);
  assert.equal(confirmed.ops.filter((o) => o.kind === 'delete_local').length, 150);
  for (let i = 150; i < 200; i++) r.delete(`f${i}`);
  for (let i = 100; i < 150; i++) r.delete(`f${i}`);
  assert.equal(plan(b, l, r).heldRemoteDeletes.length, 0, '100 deletions are under the threshold');
});

test('isMassDelete needs both the count and the ratio', () => {
  const o = DEFAULT_PLAN_OPTIONS;
  assert.equal(isMassDelete(101, 150, o), true);
  assert.equal(isMassDelete(100, 150, o), false);
  assert.equal(isMassDelete(101, 300, o), false);
  assert.equal(isMassDelete(50, 60, o), false);
});

test('plans are deterministic: renames and adoptions first, deletions last', () => {
  const b = new Map([['z', base('z', '1')], ['gone', base('gone', '2')]]);
  const l = new Map([['z', local('z', '1')], ['a', local('a', '3')]]);
  const r = new Map([['z', remote('z', '4')]]);
  const kinds = plan(b, l, r).ops.map((o) => o.kind);
  assert.deepEqual(kinds, ['download', 'upload', 'delete_remote']);
});

test('ignored paths are out of scope: no delete either way, no download, no upload; the rest plans as usual', () => {
  const ignored = (path: string) => path.startsWith('build/');
  const b = new Map([
    ['build/gone', base('build/gone', '1')],
    ['build/edited', base('build/edited', '1')],
    ['build/remote-del', base('build/remote-del', '1')],
    ['kept', base('kept', '1')],
  ]);
  const l = new Map([['build/remote-del', local('build/remote-del', '1')], ['build/new', local('build/new', '5')], ['kept', local('kept', '2')]]);
  const r = new Map([['build/edited', remote('build/edited', '2')], ['build/remote-del', remote('build/remote-del', null)], ['build/other', remote('build/other', '3')]]);
  const result = plan(b, l, r, { ...DEFAULT_PLAN_OPTIONS, ignored });
  assert.deepEqual(result.ops.map((op) => `${op.kind} ${op.path}`), ['upload kept']);
  assert.deepEqual(plan(b, l, r).ops.map((op) => op.kind).sort(), ['delete_local', 'delete_remote', 'download', 'download', 'upload', 'upload']);
});
