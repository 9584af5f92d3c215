// Storage per tier as the server reports it (`hsync server stats --json`, GET /v1/stats),
// and the shape the status window shows. Sizes are bytes; costs are USD per month.

export type BlockTier = 'inhouse' | 's3';

export interface TierUsage {
  blocks: number;
  bytes: number;
}

/** Small blocks packed many to an S3 object (`<prefix>packs/<id>`), a part of the S3 tier. */
export interface S3PackUsage {
  /** Pack objects in the bucket. */
  packs: number;
  /** Blocks S3 holds inside packs (counted in tiers.s3.blocks too). */
  blocks: number;
  /** Bytes of the pack objects (counted in tiers.s3.bytes too). */
  bytes: number;
}

export interface TierPrices {
  /** USD per GB-month, GB = 2^30 bytes (the unit AWS bills S3 storage in). */
  inhouse: number;
  s3: number;
}

export interface TierStats {
  /** S3 bytes are what the bucket holds: whole-block objects plus whole pack objects. */
  tiers: { inhouse: TierUsage; s3: TierUsage };
  s3Packs: S3PackUsage;
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
