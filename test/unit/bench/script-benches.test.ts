// The bench table reads the scripts' own result lines; these are lines as the scripts print
// them, so a change of wording in a script that breaks the table fails here.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HYBRID_RULES, SYNC_RULES, printedRow, rowOf } from '../../../bench/script-benches.js';

test('a sync line under its target is ok, with the bytes A sent beside it', () => {
  const row = rowOf('10000 × 4 KiB files in 100 folders A→B           3.91 s   A sent 42.6 MiB, received 8.5 MiB; B sent 0.0 KiB, received 42.4 MiB', SYNC_RULES);
  assert.deepEqual(row, { figure: '10,000 × 4 KiB files A→B', value: 3.91, unit: 's', context: 'Syncthing here 12.5 s; target ≤ 4 s; A sent 42.6 MiB', ok: true });
});

test('fast enough but too many bytes sent misses the target', () => {
  const row = rowOf('copy of it under a new name                     1.50 s   A sent 4.0 MiB, received 1.0 KiB; B sent 0.0 KiB, received 17.5 KiB', SYNC_RULES);
  assert.equal(row?.ok, false);
  assert.equal(row?.value, 1.5);
});

test('slow misses; the RSS line is read in MB', () => {
  assert.equal(rowOf('one 1024 MiB file A→B                          23.80 s   A sent 1024.0 MiB, received 0.1 KiB; B sent 0.0 KiB, received 1024.0 MiB', SYNC_RULES)?.ok, false);
  const rss = rowOf('client RSS with 100000 files indexed, idle       110 MB   (30 s after the last rescan: anonymous 66 MB, file-backed 44 MB; 5 s: 171, 10 s: 142, 20 s: 141 MB)', SYNC_RULES);
  assert.deepEqual([rss?.value, rss?.unit, rss?.ok], [110, 'MB', true]);
  assert.equal(rowOf('client RSS with 100000 files indexed, idle       140 MB   (30 s after the last rescan)', SYNC_RULES)?.ok, false);
});

test('the machine probes are rows with no target', () => {
  const row = rowOf('machine: new 1024 MiB file written, fdatasync     1.84 s   (4 MiB writes)', SYNC_RULES);
  assert.deepEqual([row?.figure, row?.value, row?.ok], ['machine: new 1 GiB file, fdatasync', 1.84, undefined]);
  assert.equal(rowOf('machine: 1024 MiB file copied, fsync                3.10 s   (copyFile from the page cache, after the copy case)', SYNC_RULES)?.value, 3.1);
});

test('the S3 tier row is the ratio to the s3rver ceiling; other lines are ignored', () => {
  const row = rowOf('client → S3 tier (fallback: presign, PUT, confirm)   14.97 s          72 MB/s  degraded; 1.17× the s3rver ceiling', HYBRID_RULES);
  assert.deepEqual([row?.value, row?.unit, row?.ok], [1.17, '× ceiling', true]);
  assert.equal(rowOf('hybrid tiers: 256 blocks of 4 MiB (1024 MiB) per run, 8 in flight', HYBRID_RULES), null);
  assert.equal(rowOf('disk probe: 1638 small files/s', SYNC_RULES), null);
});

test('the Ceph rows: the cluster tier is its own row beside the built-in block service, and RGW\'s ceiling is in MB/s', () => {
  const builtIn = rowOf('client → in-house tier (split, signed URLs)     7.82 s    137 MB/s  inhouse', HYBRID_RULES);
  const ceph = rowOf("client → in-house tier on Ceph RGW             15.51 s     69 MB/s  1.98× the built-in block service's time; RGW ceiling 61 MB/s", HYBRID_RULES);
  const ceiling = rowOf('RGW PUT ceiling, 64 × 4 MiB (SDK, direct)       4.43 s     61 MB/s', HYBRID_RULES);
  assert.deepEqual([builtIn?.figure, builtIn?.value], ['1 GiB via the in-house tier', 7.82]);
  assert.deepEqual([ceph?.figure, ceph?.value], ['1 GiB via the Ceph in-house tier', 15.51]);
  assert.deepEqual([ceiling?.value, ceiling?.unit], [61, 'MB/s']);
});

test('the peers bench prints its rows whole; its other lines are not rows', () => {
  const row = { figure: 'one 1024 MiB file A→B: time', value: 4.2, unit: 's', context: 'Syncthing 4.45 s', ok: true };
  assert.deepEqual(printedRow(`row ${JSON.stringify(row)}`), row);
  assert.equal(printedRow('  hsync         4.20 s   CPU 6.1 s (A 1.9, B 2.0, server 2.2)'), null);
});
