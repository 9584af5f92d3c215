// The hybrid-storage parts of `hsync server`: the role/tier flags of the server itself and
// the subcommands `namespace set-placement`, `repatriate --once`, `scrub --once` and
// `stats`. One-shot commands open the same metadata as a running server (its data dir,
// where SQLite WAL lets both work at once, or its PostgreSQL database: --db) and build the
// tiers exactly as the server does.

import { SyncError } from '../../shared/common/errors.js';
import { openTiers, type TierOptions } from '../../server/tiers/open-tiers.js';
import { repatriateOnce } from '../../server/tiers/repatriate.js';
import { INHOUSE_S3_HELP, INHOUSE_S3_OPTIONS, S3_HELP, S3_OPTIONS, checkSeparateTiers, s3ConfigFrom, type S3TierConfig } from '../../server/tiers/s3-config.js';
import { scrubOnce } from '../../server/tiers/scrub.js';
import { DEFAULT_PRICES, PRICES_HELP, formatTierStats, tierStats } from '../../server/tiers/tier-cost.js';
import { intOption, numberOption, parse, stringOption, UsageError, type Parsed } from '../args.js';
import { DB_HELP, DB_OPTION, dbUrlOf, openExistingStore } from './server-db.js';

export type Role = 'all' | 'meta' | 'blocks';

/** Flags of `hsync server` itself for roles and tiers. */
export const TIER_OPTIONS = {
  role: { type: 'string' },
  'block-service': { type: 'string' },
  'secret-file': { type: 'string' },
  'grace-sec': { type: 'string' },
  'repatriate-every-sec': { type: 'string' },
  'scrub-rate-mb': { type: 'string' },
  ...S3_OPTIONS,
  ...INHOUSE_S3_OPTIONS,
} as const;

export const TIER_HELP = `Roles and tiers:
  --role all|meta|blocks   all (default): one process; meta: metadata service only, blocks on
                           --block-service; blocks: the block service only (signed URLs)
  --block-service URL      where the block service listens (with --role meta)
  --secret-file FILE       key shared by meta and blocks to sign block URLs; created (0600)
                           by whichever role starts first
  --grace-sec N            keep a repatriated block's S3 copy this long (default 86400)
  --repatriate-every-sec N check for blocks to bring home from S3 (default 30; 0 = off)
  --scrub-rate-mb N        scrubber read rate in MB/s (default 10; 0 = off)
${S3_HELP}
${INHOUSE_S3_HELP}`;

export interface TierFlags extends TierOptions {
  role: Role;
  repatriateEveryMs: number;
  scrubBytesPerSec: number;
}

/** Reads and cross-checks the role and tier flags; usage errors name the flag. */
export function tierFlags(args: Parsed, dataDir: string): TierFlags {
  const role = stringOption(args, 'role', 'all');
  if (role !== 'all' && role !== 'meta' && role !== 'blocks') throw new UsageError(`--role must be all, meta or blocks, got "${role}"`);
  const blockService = args.values['block-service'] as string | undefined;
  const secretFile = args.values['secret-file'] as string | undefined;
  if (role === 'meta' && !blockService) throw new UsageError('--role meta needs --block-service URL');
  if (role !== 'meta' && blockService) throw new UsageError('--block-service is for --role meta');
  if (role !== 'all' && !secretFile) throw new UsageError(`--role ${role} needs --secret-file FILE`);
  if (blockService) {
    try {
      if (new URL(blockService).protocol !== 'http:') throw new Error('not http');
    } catch {
      throw new UsageError(`--block-service "${blockService}": must be an http:// URL`);
    }
  }
  const s3 = s3ConfigFrom(args.values);
  if (role === 'blocks' && s3) throw new UsageError('--role blocks holds no S3 credentials; give the --s3-* flags to the meta role');
  const inhouseS3 = inhouseClusterFrom(args.values, s3, blockService);
  if (inhouseS3 && role !== 'all') throw new UsageError(`--inhouse-s3-bucket is the in-house tier itself: run it with --role all, not --role ${role}`);
  return {
    role,
    dataDir,
    s3,
    inhouseS3,
    blockService,
    secretFile,
    graceMs: intOption(args, 'grace-sec', 86_400, 0, 365 * 86_400) * 1000,
    repatriateEveryMs: intOption(args, 'repatriate-every-sec', 30, 0, 86_400) * 1000,
    scrubBytesPerSec: numberOption(args, 'scrub-rate-mb', 10) * 1_000_000,
  };
}

/** The `--inhouse-s3-*` cluster, checked against the other in-house and S3 flags. */
function inhouseClusterFrom(values: Parsed['values'], s3: S3TierConfig | null, blockService: string | undefined): S3TierConfig | null {
  const inhouseS3 = s3ConfigFrom(values, process.env, 'inhouse-s3');
  if (inhouseS3 && blockService) throw new UsageError('the in-house tier is either --block-service or --inhouse-s3-bucket, not both');
  checkSeparateTiers(inhouseS3, s3);
  return inhouseS3;
}

const ONE_SHOT_OPTIONS = {
  data: { type: 'string' },
  ...DB_OPTION,
  once: { type: 'boolean' },
  json: { type: 'boolean' },
  'block-service': { type: 'string' },
  'secret-file': { type: 'string' },
  'grace-sec': { type: 'string' },
  'rate-mb': { type: 'string' },
  ...S3_OPTIONS,
  ...INHOUSE_S3_OPTIONS,
} as const;

export const namespaceHelp = `Usage: hsync server namespace set-placement USER inhouse|s3 [--data DIR | --db URL]

Sets where the blocks of USER's home namespace are written: inhouse (default; S3 only as a
fallback) or s3 (data residency: blocks are written to S3 only).

${DB_HELP}`;

export const repatriateHelp = `Usage: hsync server repatriate --once [--data DIR | --db URL] --s3-bucket B … [--block-service URL --secret-file FILE | --inhouse-s3-bucket B …] [--grace-sec N]

Copies blocks of in-house namespaces that are held in S3 back to the in-house store,
verifies them, switches the index, and marks the S3 copies; copies whose grace period
(--grace-sec, default 86400) is over are deleted. Prints blocks, bytes and MB/s.

${DB_HELP}

${S3_HELP}
${INHOUSE_S3_HELP}`;

export const scrubHelp = `Usage: hsync server scrub --once [--data DIR | --db URL] [--s3-bucket B …] [--block-service URL --secret-file FILE | --inhouse-s3-bucket B …] [--rate-mb N] [--json]

Re-reads and re-hashes every in-house block (at most --rate-mb MB/s, default no limit). A
corrupt block is replaced from S3 when S3 has a good copy, otherwise reported with the
files that use it and asked for from the devices that hold it (GET /v1/blocks/wanted; the
first good upload heals it). Exit status 1 when a corrupt block could not be healed.

${DB_HELP}

${S3_HELP}
${INHOUSE_S3_HELP}`;

export const statsHelp = `Usage: hsync server stats [--data DIR | --db URL] [--json] [--price-inhouse N] [--price-s3 N]

Blocks and bytes per tier, logical bytes (live files) vs stored bytes, blocks waiting for
repatriation, corrupt blocks, and the estimated monthly cost per tier.

${DB_HELP}

${PRICES_HELP}`;

export async function runNamespace(argv: string[], dataDefault: string): Promise<number> {
  const args = parse(argv, { data: { type: 'string' }, ...DB_OPTION }, true);
  if (args.values.help) {
    console.log(namespaceHelp);
    return 0;
  }
  const [action, user, placement, ...extra] = args.positionals;
  if (action !== 'set-placement') throw new UsageError(`namespace needs an action: set-placement${action ? ` (got "${action}")` : ''}`);
  if (!user) throw new UsageError('set-placement needs a USER');
  if (placement !== 'inhouse' && placement !== 's3') throw new UsageError(`placement must be inhouse or s3, got "${placement ?? ''}"`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const store = await openExistingStore(dbUrlOf(args), stringOption(args, 'data', dataDefault));
  try {
    if (!(await store.tiers.setPlacement(user, placement))) {
      throw new SyncError('not_found', `set placement of "${user}": no such user`);
    }
  } finally {
    await store.close();
  }
  console.log(`${user}: placement ${placement}`);
  return 0;
}

async function oneShot(argv: string[], dataDefault: string, needsS3: boolean) {
  const args = parse(argv, ONE_SHOT_OPTIONS);
  if (args.values.help) return null;
  if (!args.values.once) throw new UsageError('needs --once (the server runs this job in the background by itself)');
  const dataDir = stringOption(args, 'data', dataDefault);
  const s3 = s3ConfigFrom(args.values);
  if (needsS3 && !s3) throw new UsageError('needs the S3 tier: --s3-bucket B (and --s3-region, --s3-endpoint…)');
  const blockService = args.values['block-service'] as string | undefined;
  const secretFile = args.values['secret-file'] as string | undefined;
  if (blockService && !secretFile) throw new UsageError('--block-service needs --secret-file FILE');
  const inhouseS3 = inhouseClusterFrom(args.values, s3, blockService);
  const graceMs = intOption(args, 'grace-sec', 86_400, 0, 365 * 86_400) * 1000;
  const store = await openExistingStore(dbUrlOf(args), dataDir);
  try {
    return { args, store, tiers: openTiers(store, { dataDir, s3, inhouseS3, blockService, secretFile, graceMs }) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A job a server sharing the database runs now: this one waits for no one. */
const busy = (job: string) => new SyncError('unavailable', `${job}: a server on the same database runs it now; try again when it is done`);

export async function runRepatriate(argv: string[], dataDefault: string): Promise<number> {
  const opened = await oneShot(argv, dataDefault, true);
  if (!opened) {
    console.log(repatriateHelp);
    return 0;
  }
  const { args, store, tiers } = opened;
  try {
    const r = await store.exclusive('repatriation', () => repatriateOnce(tiers.service));
    if (!r) throw busy('repatriation');
    const mbps = r.ms > 0 ? r.bytes / 1e6 / (r.ms / 1000) : 0;
    if (args.values.json) console.log(JSON.stringify({ ...r, mbPerSec: Math.round(mbps * 10) / 10 }));
    else {
      console.log(`repatriated ${r.copied} blocks (${(r.bytes / 1e6).toFixed(1)} MB) in ${(r.ms / 1000).toFixed(2)} s, ${mbps.toFixed(1)} MB/s; ${r.swept} S3 copies swept, ${r.packsDeleted} S3 packs deleted`);
      for (const f of r.failed) console.error(`repatriate block ${f.hash}: ${f.reason}`);
    }
    return r.failed.length > 0 ? 1 : 0;
  } finally {
    tiers.close();
    await store.close();
  }
}

export async function runScrub(argv: string[], dataDefault: string): Promise<number> {
  const opened = await oneShot(argv, dataDefault, false);
  if (!opened) {
    console.log(scrubHelp);
    return 0;
  }
  const { args, store, tiers } = opened;
  try {
    const report = await store.exclusive('scrub', () => scrubOnce(tiers.service, { fromStart: true, maxBytesPerSec: numberOption(args, 'rate-mb', 0) * 1_000_000 }));
    if (!report) throw busy('scrub');
    if (args.values.json) console.log(JSON.stringify(report));
    else {
      console.log(`scrubbed ${report.checked} blocks (${(report.bytes / 1e6).toFixed(1)} MB) in ${(report.ms / 1000).toFixed(2)} s; ${report.findings.length} corrupt`);
      for (const f of report.findings) {
        const files = f.files.map((u) => `${u.namespace}:${u.path}`).join(', ') || 'no live file';
        console.log(`block ${f.hash}: ${f.healed ? 'corrupt, replaced from S3' : `corrupt, NOT healed (${f.reason}); used by ${files}`}`);
      }
    }
    return report.findings.some((f) => !f.healed) ? 1 : 0;
  } finally {
    tiers.close();
    await store.close();
  }
}

export async function runStats(argv: string[], dataDefault: string): Promise<number> {
  const args = parse(argv, { data: { type: 'string' }, ...DB_OPTION, json: { type: 'boolean' }, 'price-inhouse': { type: 'string' }, 'price-s3': { type: 'string' } });
  if (args.values.help) {
    console.log(statsHelp);
    return 0;
  }
  const prices = { inhouse: numberOption(args, 'price-inhouse', DEFAULT_PRICES.inhouse), s3: numberOption(args, 'price-s3', DEFAULT_PRICES.s3) };
  const store = await openExistingStore(dbUrlOf(args), stringOption(args, 'data', dataDefault));
  try {
    const stats = tierStats(await store.tiers.counts(), prices);
    console.log(args.values.json ? JSON.stringify(stats) : formatTierStats(stats));
    return 0;
  } finally {
    await store.close();
  }
}
