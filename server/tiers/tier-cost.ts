// Tier figures and their estimated monthly cost, as one pure function of the counts the
// block index holds: the seed's open question was whether hybrid storage is cheaper, so
// the server answers it with the operator's own prices.

import type { S3PackUsage, TierPrices, TierStats, TierUsage } from '../../shared/common/tier-stats.js';

/**
 * Default prices, USD per GB-month (GB = 2^30 bytes):
 * - s3 0.023: Amazon S3 Standard, first 50 TB/month, us-east-1, from
 *   https://aws.amazon.com/s3/pricing/ (storage only; requests and egress are extra).
 * - inhouse 0.006: an assumption, stated so it can be replaced with your own figure: one
 *   60-bay server with 20 TB drives (1.2 PB raw) at about $60,000, kept three times
 *   (400 TB usable), written off over 4 years ($1,250/month), plus about $1,000/month for
 *   power, rack space and network: $2,250 / ~372,500 GB ≈ $0.006.
 */
export const DEFAULT_PRICES: TierPrices = { inhouse: 0.006, s3: 0.023 };

export const PRICES_HELP = `Prices (USD per GB-month, GB = 2^30 bytes):
  --price-inhouse N    default ${DEFAULT_PRICES.inhouse}: assumed cost of a 60-bay, 1.2 PB raw server
                       kept 3×, written off over 4 years, plus power, space and network
  --price-s3 N         default ${DEFAULT_PRICES.s3}: Amazon S3 Standard, first 50 TB, us-east-1
                       (aws.amazon.com/s3/pricing; storage only, requests and egress extra)`;

const GB = 2 ** 30;

export interface TierCounts {
  tiers: { inhouse: TierUsage; s3: TierUsage };
  /** The part of the S3 tier held in packs (included in tiers.s3); none when absent. */
  s3Packs?: S3PackUsage;
  logicalBytes: number;
  /** Bytes of distinct blocks, counting a block held in both tiers once. */
  uniqueBytes: number;
  pendingRepatriation: number;
  corruptBlocks: number;
}

/** Rounds money to a hundredth of a cent, enough for small installs without float noise. */
const usd = (value: number) => Math.round(value * 10_000) / 10_000;

export function tierStats(counts: TierCounts, prices: TierPrices = DEFAULT_PRICES): TierStats {
  for (const [name, price] of Object.entries(prices)) {
    if (!Number.isFinite(price) || price < 0) throw new RangeError(`tier stats: price for ${name} must be a non-negative number`);
  }
  const { inhouse, s3 } = counts.tiers;
  const inhouseCost = (inhouse.bytes / GB) * prices.inhouse;
  const s3Cost = (s3.bytes / GB) * prices.s3;
  return {
    tiers: { inhouse: { ...inhouse }, s3: { ...s3 } },
    s3Packs: { ...(counts.s3Packs ?? { packs: 0, blocks: 0, bytes: 0 }) },
    logicalBytes: counts.logicalBytes,
    storedBytes: inhouse.bytes + s3.bytes,
    dedupRatio: counts.uniqueBytes > 0 ? Math.round((counts.logicalBytes / counts.uniqueBytes) * 1000) / 1000 : 0,
    pendingRepatriation: counts.pendingRepatriation,
    corruptBlocks: counts.corruptBlocks,
    prices: { ...prices },
    monthlyCost: {
      inhouse: usd(inhouseCost),
      s3: usd(s3Cost),
      total: usd(inhouseCost + s3Cost),
      allInS3: usd((counts.uniqueBytes / GB) * prices.s3),
    },
  };
}

/** The human-readable table `hsync server stats` prints without --json. */
export function formatTierStats(stats: TierStats): string {
  const size = (bytes: number) => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
  };
  const money = (value: number) => `$${value.toFixed(4)}/month`;
  const row = (name: string, usage: TierUsage, price: number, cost: number) =>
    `  ${name.padEnd(8)} ${String(usage.blocks).padStart(10)} blocks  ${size(usage.bytes).padStart(10)}  at $${price}/GB-month  ${money(cost)}`;
  return [
    'Tiers:',
    row('inhouse', stats.tiers.inhouse, stats.prices.inhouse, stats.monthlyCost.inhouse),
    row('s3', stats.tiers.s3, stats.prices.s3, stats.monthlyCost.s3),
    `  of which ${stats.s3Packs.blocks} small blocks in ${stats.s3Packs.packs} packs (${size(stats.s3Packs.bytes)})`,
    `Logical bytes: ${size(stats.logicalBytes)}   stored bytes: ${size(stats.storedBytes)}   dedup ratio: ${stats.dedupRatio}`,
    `Waiting for repatriation: ${stats.pendingRepatriation} blocks   corrupt blocks: ${stats.corruptBlocks}`,
    `Estimated cost: ${money(stats.monthlyCost.total)} (all in S3 it would be ${money(stats.monthlyCost.allInS3)})`,
  ].join('\n');
}
