// The S3 tier's command-line flags, shared by `hsync server` and its `repatriate`,
// `scrub` and `stats` subcommands. Credentials never come from flags: the standard AWS
// chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws/*) supplies them,
// so they stay out of shell history and process listings.

export interface S3TierConfig {
  /** Custom endpoint (MinIO, Ceph RGW, Garage, s3rver); undefined means AWS itself. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Key prefix, empty or ending in "/": blocks live at `<prefix>blocks/<hash>`. */
  prefix: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most self-hosted S3s need. */
  pathStyle: boolean;
}

/** node:util parseArgs option table for the S3 flags. */
export const S3_OPTIONS = {
  's3-endpoint': { type: 'string' },
  's3-region': { type: 'string' },
  's3-bucket': { type: 'string' },
  's3-prefix': { type: 'string' },
  's3-path-style': { type: 'boolean' },
} as const;

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
 * The tier configuration from parsed flags, or null when no `--s3-bucket` was given
 * (then every other S3 flag is an error, so a typo cannot silently disable the tier).
 */
export function s3ConfigFrom(
  values: Record<string, unknown>,
  env: Record<string, string | undefined> = process.env,
): S3TierConfig | null {
  const str = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const bucket = str('s3-bucket');
  if (bucket === undefined) {
    const stray = Object.keys(S3_OPTIONS).find((name) => values[name] !== undefined);
    if (stray) throw new S3UsageError(`--${stray} needs --s3-bucket`);
    return null;
  }
  if (!BUCKET.test(bucket)) {
    throw new S3UsageError(`--s3-bucket "${bucket}": not a valid bucket name (3-63 of a-z 0-9 . -)`);
  }
  const region = str('s3-region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new S3UsageError('missing --s3-region (or AWS_REGION)');
  if (!/^[a-z0-9-]+$/.test(region)) throw new S3UsageError(`--s3-region "${region}": not a region name`);
  const endpoint = str('s3-endpoint');
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new S3UsageError(`--s3-endpoint "${endpoint}": not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new S3UsageError(`--s3-endpoint "${endpoint}": must be http or https`);
    }
  }
  let prefix = str('s3-prefix') ?? '';
  if (prefix.startsWith('/') || prefix.includes('//') || prefix.split('/').includes('..')) {
    throw new S3UsageError(`--s3-prefix "${prefix}": must not start with "/" or hold empty or ".." segments`);
  }
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  return { endpoint, region, bucket, prefix, pathStyle: values['s3-path-style'] === true };
}
