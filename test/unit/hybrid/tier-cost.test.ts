// Tier figures and costs, worked by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PRICES, formatTierStats, tierStats } from '../../../server/tiers/tier-cost.js';

const GiB = 2 ** 30;

test('costs per tier at the given prices, with the all-in-S3 comparison', () => {
  const stats = tierStats(
    {
      tiers: { inhouse: { blocks: 2560, bytes: 10 * GiB }, s3: { blocks: 512, bytes: 2 * GiB } },
      logicalBytes: 30 * GiB,
      uniqueBytes: 12 * GiB,
      pendingRepatriation: 512,
      corruptBlocks: 1,
    },
    { inhouse: 0.01, s3: 0.02 },
  );
  assert.deepEqual(stats.monthlyCost, { inhouse: 0.1, s3: 0.04, total: 0.14, allInS3: 0.24 });
  assert.equal(stats.storedBytes, 12 * GiB);
  assert.equal(stats.dedupRatio, 2.5);
  assert.equal(stats.pendingRepatriation, 512);
  assert.equal(stats.corruptBlocks, 1);
  assert.deepEqual(stats.tiers.s3, { blocks: 512, bytes: 2 * GiB });
});

test('defaults are S3 Standard us-east-1 and the stated in-house assumption', () => {
  assert.deepEqual(DEFAULT_PRICES, { inhouse: 0.006, s3: 0.023 });
  const stats = tierStats({ tiers: { inhouse: { blocks: 0, bytes: 0 }, s3: { blocks: 256, bytes: GiB } }, logicalBytes: GiB, uniqueBytes: GiB, pendingRepatriation: 0, corruptBlocks: 0 });
  assert.equal(stats.monthlyCost.s3, 0.023);
  assert.equal(stats.dedupRatio, 1);
});

test('an empty server has zero everything, not NaN', () => {
  const zero = { blocks: 0, bytes: 0 };
  const stats = tierStats({ tiers: { inhouse: zero, s3: zero }, logicalBytes: 0, uniqueBytes: 0, pendingRepatriation: 0, corruptBlocks: 0 });
  assert.equal(stats.dedupRatio, 0);
  assert.deepEqual(stats.monthlyCost, { inhouse: 0, s3: 0, total: 0, allInS3: 0 });
  assert.match(formatTierStats(stats), /inhouse\s+0 blocks\s+0 B/);
});

test('negative or non-finite prices are refused', () => {
  const zero = { blocks: 0, bytes: 0 };
  const counts = { tiers: { inhouse: zero, s3: zero }, logicalBytes: 0, uniqueBytes: 0, pendingRepatriation: 0, corruptBlocks: 0 };
  assert.throws(() => tierStats(counts, { inhouse: -1, s3: 0 }), /price for inhouse/);
  assert.throws(() => tierStats(counts, { inhouse: 0, s3: NaN }), /price for s3/);
});

test('packed S3 blocks are passed through and shown; absent pack figures read as zero', () => {
  const stats = tierStats({
    tiers: { inhouse: { blocks: 0, bytes: 0 }, s3: { blocks: 10_002, bytes: 41_000_000 + 8 * 2 ** 20 } },
    s3Packs: { packs: 5, blocks: 10_000, bytes: 41_000_000 },
    logicalBytes: 0,
    uniqueBytes: 0,
    pendingRepatriation: 0,
    corruptBlocks: 0,
  });
  assert.deepEqual(stats.s3Packs, { packs: 5, blocks: 10_000, bytes: 41_000_000 });
  assert.match(formatTierStats(stats), /of which 10000 small blocks in 5 packs \(39\.1 MiB\)/);
  const zero = { blocks: 0, bytes: 0 };
  const older = tierStats({ tiers: { inhouse: zero, s3: zero }, logicalBytes: 0, uniqueBytes: 0, pendingRepatriation: 0, corruptBlocks: 0 });
  assert.deepEqual(older.s3Packs, { packs: 0, blocks: 0, bytes: 0 });
});
