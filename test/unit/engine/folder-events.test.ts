// The folder state machine and its events (docs/engine.md "Folder state and events"): the
// transitions are checked, every change is a numbered event, the status is the fold of the
// events, and eventsSince answers what came after a number, saying when some were dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFolderEvent, describeFolderEvent, emptyFolderView, FOLDER_TRANSITIONS, isAllowedTransition } from '../../../shared/common/folder-events.js';
import type { FolderState } from '../../../shared/common/sync-api.js';
import { StatusTracker } from '../../../shared/node/engine/status-tracker.js';

function tracker(start = 1_000_000) {
  let now = start;
  const status = new StatusTracker({ folder: '/f', serverUrl: 'http://127.0.0.1:1', device: () => 'laptop' }, { sentBytes: 0, receivedBytes: 0 }, () => (now += 10));
  return status;
}

test('a cycle, a pause and a failure are allowed transitions; a paused folder that scans is not', () => {
  const status = tracker();
  for (const state of ['scanning', 'syncing', 'scanning', 'syncing', 'idle', 'paused', 'idle', 'scanning', 'offline', 'scanning', 'error', 'paused'] as FolderState[]) status.setState(state);
  assert.deepEqual(status.illegalTransitions, []);
  status.setState('scanning');
  assert.deepEqual(status.illegalTransitions, ['paused → scanning']);
  assert.equal(status.state, 'scanning', 'the change is still shown: the status tells what the engine does');
  const states = Object.keys(FOLDER_TRANSITIONS) as FolderState[];
  for (const from of states) assert.ok(isAllowedTransition(from, from), `${from} may stay`);
  assert.equal(isAllowedTransition('paused', 'offline'), false);
});

test('every change is one event with the next number, and the status is the fold of the events', () => {
  const status = tracker();
  status.setState('scanning');
  status.setProblem('bad/name', 'skip', { code: 'invalid_path', message: 'skip "bad/name": a name this device cannot hold' });
  status.setState('syncing');
  status.addActivity({ path: 'a.txt', direction: 'up', action: 'added', bytes: 3 });
  status.setProblem('b.txt', 'fail', { code: 'io', message: 'upload "b.txt": EACCES' });
  status.holdDeletes({ count: 120, total: 200, sample: ['x'], side: 'local' });
  status.warn('watch limit reached');
  status.clearProblem('b.txt');
  status.setProblem('bad/name', 'skip', { code: 'invalid_path', message: 'skip "bad/name": a name this device cannot hold' }); // no change: no event
  status.cycleFinished();
  status.setState('idle');

  const page = status.eventsSince(0);
  assert.deepEqual(page.events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(page.events.map((e) => e.type), ['state-changed', 'problem-found', 'state-changed', 'file-synced', 'problem-found', 'deletes-held', 'warning-raised', 'problem-cleared', 'cycle-finished', 'state-changed']);
  assert.equal(page.seq, 10);
  assert.equal(page.missed, false);

  const view = emptyFolderView();
  for (const event of page.events) applyFolderEvent(view, event);
  const shown = status.snapshot();
  assert.equal(shown.seq, 10);
  assert.equal(view.state, shown.state);
  assert.deepEqual(view.recent, shown.recent);
  assert.deepEqual([...view.problems.values()].map(({ kind: _kind, ...p }) => p), shown.problems);
  assert.deepEqual([...view.warnings], shown.warnings);
  assert.deepEqual(view.pendingDeletes, shown.pendingDeletes);
  assert.equal(view.lastSyncedAt, shown.lastSyncedAt);
  assert.equal(shown.summary, 'Waiting: delete 120 files on all devices?');

  assert.deepEqual(status.eventsSince(8).events.map((e) => e.type), ['cycle-finished', 'state-changed']);
  assert.deepEqual(status.eventsSince(10).events, []);
  assert.match(describeFolderEvent(page.events[3]), /^4 \d\d:\d\d:\d\d uploaded added a\.txt$/);
  assert.match(describeFolderEvent(page.events[0]), /^1 \d\d:\d\d:\d\d state idle → scanning$/);
});

test('a reader further behind than the kept events is told it missed some', () => {
  const status = tracker();
  for (let i = 0; i < 1500; i++) status.addActivity({ path: `f${i}`, direction: 'down', action: 'added', bytes: i });
  const old = status.eventsSince(10);
  assert.equal(old.missed, true);
  assert.equal(old.events.length, 1000);
  assert.equal(old.events[0].seq, 501);
  assert.equal(old.seq, 1500);
  const recent = status.eventsSince(900);
  assert.equal(recent.missed, false);
  assert.equal(recent.events.length, 600);
  assert.equal(status.snapshot().recent.length, 50, 'the status keeps the 50 newest');
  assert.equal(status.snapshot().recent[0].path, 'f1499');
});
