// The S3 flags, shared by `hsync server` and its `repatriate`, `scrub` and `stats`
// subcommands: `--s3-*` for the public fallback tier, `--inhouse-s3-*` for an in-house tier
// on an S3-compatible cluster (Ceph RGW, MinIO…). Both are read by the same parser.
// Credentials never come from flags: the standard AWS chain (AWS_ACCESS_KEY_ID/
// AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws/*) supplies them, or for the in-house cluster
// a named profile, so they stay out of shell history and process listings.

export interface S3TierConfig {
  /** Custom endpoint (MinIO, Ceph RGW, Garage, s3rver); undefined means AWS itself. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Key prefix, empty or ending in "/": blocks live at `<prefix>blocks/<hash>`. */
  prefix: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most self-hosted S3s need. */
  pathStyle: boolean;
  /** A profile of ~/.aws/credentials (or $AWS_SHARED_CREDENTIALS_FILE); undefined: the standard chain. */
  profile?: string;
}

/** Which set of flags: the public fallback tier (`--s3-*`) or the in-house cluster (`--inhouse-s3-*`). */
export type S3FlagSet = 's3' | 'inhouse-s3';

/** node:util parseArgs option table for the S3 flags. */
export const S3_OPTIONS = {
  's3-endpoint': { type: 'string' },
  's3-region': { type: 'string' },
  's3-bucket': { type: 'string' },
  's3-prefix': { type: 'string' },
  's3-path-style': { type: 'boolean' },
} as const;

/** The in-house cluster's flags: the same as the S3 tier's, plus a named profile. */
export const INHOUSE_S3_OPTIONS = {
  'inhouse-s3-endpoint': { type: 'string' },
  'inhouse-s3-region': { type: 'string' },
  'inhouse-s3-bucket': { type: 'string' },
  'inhouse-s3-prefix': { type: 'string' },
  'inhouse-s3-path-style': { type: 'boolean' },
  'inhouse-s3-profile': { type: 'string' },
} as const;

export const INHOUSE_S3_HELP = `In-house tier on an S3-compatible cluster (optional; instead of blocks under --data):
  --inhouse-s3-bucket B      bucket holding the in-house blocks (Ceph RGW, MinIO…)
  --inhouse-s3-endpoint URL  the cluster's S3 endpoint
  --inhouse-s3-region R      region (default: $AWS_REGION or $AWS_DEFAULT_REGION)
  --inhouse-s3-prefix P      key prefix; blocks are stored at <P>blocks/<sha256>
  --inhouse-s3-path-style    path-style URLs (endpoint/bucket/key), for most self-hosted S3s
  --inhouse-s3-profile NAME  credentials from this profile of ~/.aws/credentials
                             (default: the standard AWS chain, as for --s3-*)`;

export const S3_HELP = `S3 tier (optional; credentials from the standard AWS chain: environment, ~/.aws):
  --s3-bucket B        bucket holding the S3 tier; without it there is no S3 tier
  --s3-region R        region (default: $AWS_REGION or $AWS_DEFAULT_REGION)
  --s3-endpoint URL    S3-compatible endpoint (MinIO, Ceph RGW…); default AWS
  --s3-prefix P        key prefix; blocks are stored at <P>blocks/<sha256>
  --s3-path-style      path-style URLs (endpoint/bucket/key), for most self-hosted S3s`;

/** A bad flag value: `hsync` prints the message on one line and exits 2. */
export class S3UsageError extends Error {
  override readonly name = 'UsageError';
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The tier configuration from parsed flags, or null when no `--s3-bucket` (or, for the
 * in-house set, `--inhouse-s3-bucket`) was given; then every other flag of the set is an
 * error, so a typo cannot silently disable the tier.
 */
export function s3ConfigFrom(
  values: Record<string, unknown>,
  env: Record<string, string | undefined> = process.env,
  set: S3FlagSet = 's3',
): S3TierConfig | null {
  const str = (name: string): string | undefined => {
    const value = values[`${set}-${name}`];
    return typeof value === 'string' ? value : undefined;
  };
  const bucket = str('bucket');
  if (bucket === undefined) {
    const stray = Object.keys(set === 's3' ? S3_OPTIONS : INHOUSE_S3_OPTIONS).find((name) => values[name] !== undefined);
    if (stray) throw new S3UsageError(`--${stray} needs --${set}-bucket`);
    return null;
  }
  if (!BUCKET.test(bucket)) {
    throw new S3UsageError(`--${set}-bucket "${bucket}": not a valid bucket name (3-63 of a-z 0-9 . -)`);
  }
  const region = str('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new S3UsageError(`missing --${set}-region (or AWS_REGION)`);
  if (!/^[a-z0-9-]+$/.test(region)) throw new S3UsageError(`--${set}-region "${region}": not a region name`);
  const endpoint = str('endpoint');
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new S3UsageError(`--${set}-endpoint "${endpoint}": not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new S3UsageError(`--${set}-endpoint "${endpoint}": must be http or https`);
    }
  }
  let prefix = str('prefix') ?? '';
  if (prefix.startsWith('/') || prefix.includes('//') || prefix.split('/').includes('..')) {
    throw new S3UsageError(`--${set}-prefix "${prefix}": must not start with "/" or hold empty or ".." segments`);
  }
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  const profile = str('profile');
  if (profile !== undefined && !/^[\w.+@-]{1,64}$/.test(profile)) throw new S3UsageError(`--${set}-profile "${profile}": not a profile name`);
  return { endpoint, region, bucket, prefix, pathStyle: values[`${set}-path-style`] === true, ...(profile === undefined ? {} : { profile }) };
}

/**
 * Refuses an in-house cluster that is the public tier's own bucket and prefix: both keep
 * blocks at `<P>blocks/<hash>`, so the sweep of a repatriated block's S3 copy would delete
 * its in-house copy.
 */
export function checkSeparateTiers(inhouse: S3TierConfig | null, s3: S3TierConfig | null): void {
  if (!inhouse || !s3) return;
  const place = (c: S3TierConfig) => `${c.endpoint ?? 'aws'} ${c.bucket} ${c.prefix}`;
  if (place(inhouse) === place(s3)) {
    throw new S3UsageError(`--inhouse-s3-bucket "${inhouse.bucket}" is the S3 tier's own bucket and prefix: give one of them another bucket or prefix`);
  }
}
