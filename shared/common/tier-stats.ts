// Storage per tier as the server reports it (`hsync server stats --json`, GET /v1/stats),
// and the shape the status window shows. Sizes are bytes; costs are USD per month.

export type BlockTier = 'inhouse' | 's3';

export interface TierUsage {
  blocks: number;
  bytes: number;
}

export interface TierPrices {
  /** USD per GB-month, GB = 2^30 bytes (the unit AWS bills S3 storage in). */
  inhouse: number;
  s3: number;
}

export interface TierStats {
  tiers: { inhouse: TierUsage; s3: TierUsage };
  /** Sum of the sizes of live files: what users see. */
  logicalBytes: number;
  /** Bytes held across both tiers (a block in both counts twice until the S3 copy is swept). */
  storedBytes: number;
  /** Logical ÷ unique stored bytes; above 1 means deduplication saves space. 0 when empty. */
  dedupRatio: number;
  /** Blocks of in-house namespaces still held only in S3. */
  pendingRepatriation: number;
  corruptBlocks: number;
  prices: TierPrices;
  monthlyCost: { inhouse: number; s3: number; total: number; allInS3: number };
}

/** GET /v1/stats: the server's tier figures plus where the caller's namespace writes blocks. */
export interface StatsResponse extends TierStats {
  placement: BlockTier;
}
