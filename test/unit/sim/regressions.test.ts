// Runs found by `npm run sim`, shrunk, kept so the bug they found stays fixed. Each runs the
// real engine on three devices against the server's real metadata logic (sim/).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSteps } from '../../../sim/run-seed.js';
import type { Step } from '../../../sim/steps.js';

const cases: { name: string; steps: Step[] }[] = [
  {
    // seed 100: dev0 deletes the file inside b/ (b/ stays, empty) while dev2 turns b into a
    // file; dev0 then refused the file forever ("a folder or special file is in the way").
    name: 'a file arriving where a local folder was emptied replaces the empty folder',
    steps: [
      { op: 'write', dev: 0, path: 'b/caf\u00e9.txt', size: 184, fill: 633168799, atomic: true },
      { op: 'sync', dev: 0 },
      { op: 'sync', dev: 2 },
      { op: 'delete', dev: 0, path: 'b/caf\u00e9.txt' },
      { op: 'toFile', dev: 2, path: 'b', size: 162, fill: 271135206 },
    ],
  },
  {
    // seed 48: dev2 moves a/Y.pdf onto the name b while dev0 makes a folder b/ with a file;
    // the move went up as a file beside the folder and every device stuck on "b" (EEXIST,
    // "a folder or special file is in the way"). The folder keeps the name; the moved file
    // lands beside it as dev2's conflicted copy.
    name: 'a file moved onto a name that is a folder on the other device goes aside, on both sides',
    steps: [
      { op: 'write', dev: 0, path: 'a/Y.pdf', size: 37, fill: 923189063, atomic: true },
      { op: 'sync', dev: 0 },
      { op: 'sync', dev: 2 },
      { op: 'sync', dev: 1 },
      { op: 'move', dev: 2, from: 'a/Y.pdf', to: 'b' },
      { op: 'write', dev: 0, path: 'b/caf\u00e9.txt', size: 43, fill: 493344124, atomic: true },
      { op: 'sync', dev: 2 },
    ],
  },
  {
    // The same with the folder's device syncing first: the move must go aside on dev2.
    name: 'a local move onto a name that became a folder on the server goes aside',
    steps: [
      { op: 'write', dev: 0, path: 'a/Y.pdf', size: 37, fill: 923189063, atomic: true },
      { op: 'sync', dev: 0 },
      { op: 'sync', dev: 2 },
      { op: 'move', dev: 2, from: 'a/Y.pdf', to: 'b' },
      { op: 'write', dev: 0, path: 'b/caf\u00e9.txt', size: 43, fill: 493344124, atomic: true },
    ],
  },
  {
    // seed 1099 (150 steps): dev1 moves folder a onto b/x.txt, then b onto a/c, so the file
    // a/c/x.txt ends up at a/c/x.txt/c/x.txt, under its own old name. dev0's local move
    // failed forever with ENOTDIR (mkdir under the file being moved).
    name: 'a remote move of a file to a path under its own old name is applied',
    steps: [
      { op: 'write', dev: 0, path: 'a/c/x.txt', size: 8, fill: 121790654, atomic: true },
      { op: 'sync', dev: 0 },
      { op: 'sync', dev: 1 },
      { op: 'move', dev: 1, from: 'a', to: 'b/x.txt' },
      { op: 'move', dev: 1, from: 'b', to: 'a/c' },
    ],
  },
  {
    // seed 2460 (150 steps): dev0 moves file b onto a/n, where dev2 has a folder holding only
    // files dev2 ignores. dev2's move fell back to a download beside the folder but dropped
    // its follow-up commits, so every round wrote one more conflicted copy, for ever.
    name: 'a remote move onto a folder of ignored files lands once beside it',
    steps: [
      { op: 'write', dev: 2, path: 'b/caf\u00e9.txt', size: 24, fill: 3, atomic: true },
      { op: 'write', dev: 1, path: 'a/c/y.pdf', size: 148, fill: 556263590, atomic: false },
      { op: 'sync', dev: 2, during: {call: 'list', nth: 2, steps: [{op: 'toFile', dev: 2, path: 'b', size: 300, fill: 140183888}]} },
      { op: 'sync', dev: 1 },
      { op: 'sync', dev: 2 },
      { op: 'ignore', dev: 2, patterns: ['*.pdf'] },
      { op: 'move', dev: 2, from: 'a/c', to: 'a/n' },
      { op: 'sync', dev: 0 },
      { op: 'move', dev: 0, from: 'b', to: 'a/n' },
    ],
  },
  {
    // seed 2473 (150 steps): a download under a/ failed, then dev2 ignored a/; the failure
    // stayed in the status for good and every sync ended "1 file could not sync".
    name: 'a failure at a path that becomes ignored is cleared',
    steps: [
      { op: 'write', dev: 1, path: 'a/c/Y.pdf', size: 179, fill: 655577630, atomic: true },
      { op: 'sync', dev: 1 },
      { op: 'toFolder', dev: 1, path: 'a/c/Y.pdf', fill: 466517657 },
      { op: 'sync', dev: 2 },
      { op: 'sync', dev: 1 },
      { op: 'write', dev: 2, path: 'b/n', size: 0, fill: 429570625, atomic: true },
      { op: 'sync', dev: 2, during: {call: 'commit', nth: 1, steps: [{op: 'ignore', dev: 2, patterns: ['a/']}]} },
    ],
  },
  {
    // seed 8921: dev1 turned folder a/c (holding a/c/n) into a file of the same bytes; the
    // server took it as the move a/c/n -> a/c, which the other devices could not make (the
    // target was the folder holding the source) nor fetch (the folder was in the way).
    name: 'a file moved onto the name of the folder it was in replaces that folder on the other devices',
    steps: [
      { op: 'write', dev: 2, path: 'b/n', size: 94, fill: 0, atomic: true },
      { op: 'move', dev: 2, from: 'b', to: 'a/c' },
      { op: 'sync', dev: 2 },
      { op: 'sync', dev: 1 },
      { op: 'toFile', dev: 1, path: 'a/c', size: 94, fill: 0 },
    ],
  },
  {
    // seed 7408: during a download of caf\u00e9.txt, dev1 moved folder a to the NFD spelling
    // of that name; the NFD folder was left beside the NFC file, reported, and never synced.
    name: 'an NFD folder beside its NFC twin takes a Unicode Conflict name and syncs',
    steps: [
      { op: 'write', dev: 0, path: 'a/c/caf\u00e9.txt', size: 182, fill: 157198877, atomic: false },
      { op: 'sync', dev: 0 },
      { op: 'sync', dev: 1 },
      { op: 'write', dev: 0, path: 'caf\u00e9.txt', size: 72, fill: 142401635, atomic: false },
      { op: 'sync', dev: 0 },
      {
        op: 'sync',
        dev: 1,
        during: { call: 'getBlock', nth: 1, steps: [{ op: 'move', dev: 1, from: 'a', to: 'cafe\u0301.txt' }, { op: 'write', dev: 1, path: 'a/n', size: 247, fill: 81348801, atomic: true }] },
      },
    ],
  },
  {
    // seed 100 with power cuts: dev0 lost power at its first sync, before anything was
    // fsynced; the .hsync/ marker written then was gone, the index (another disk) already
    // named the uploaded file, and every later start refused the folder as "replaced or
    // emptied". The marker is now durable before the index records anything.
    name: 'a power cut during the first sync keeps the folder marker, and the folder syncs on',
    steps: [
      { op: 'write', dev: 0, path: 'n', size: 115, fill: 1, atomic: true },
      { op: 'sync', dev: 0, powerCut: { call: 'list', nth: 2, seed: 856138638 } },
    ],
  },
  {
    // seed 181 with power cuts: dev0 rewrote a synced file in place and lost power before
    // anything was committed. The file came back torn (new bytes, the committed size, mtime
    // and inode), its stat matched the index, and the device showed it as synced for good.
    // After an unclean stop the first full scan now hashes every file.
    name: 'a file torn by a power cut is hashed again, not taken as synced by its stat',
    steps: [
      { op: 'write', dev: 0, path: 'a/c/caf\u00e9.txt', size: 35, fill: 771100912, atomic: true },
      { op: 'sync', dev: 0 },
      { op: 'write', dev: 0, path: 'a/c/caf\u00e9.txt', size: 174, fill: 927568060, atomic: false },
      { op: 'sync', dev: 0, powerCut: { call: 'list', nth: 1, seed: 490625423 } },
    ],
  },
];

for (const { name, steps } of cases) {
  test(name, async () => {
    const result = await runSteps(steps);
    assert.deepEqual(result.problems, [], result.log.join('\n'));
  });
}
