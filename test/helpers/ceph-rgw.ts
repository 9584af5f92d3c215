// A real single-node Ceph cluster with the RADOS Gateway for tests, started by
// scripts/ceph-dev.sh (one mon, one memstore osd, radosgw on a free loopback port). It takes
// ~15 s and ~150 MB, so a test file starts one in `before` and stops it in `after`.
// Where Debian's Ceph is not installed the tests are skipped with the reason; under CI
// (CI set, as .ci/run does) that is a failure instead: CI installs the packages.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'ceph-dev.sh');
const TOOLS = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph'];

export interface CephRgw {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  /** An S3 client on the gateway with the right key (path style, plain bodies). */
  client: S3Client;
  /** Another client on the gateway signing with `secretKey` (a forger's, say); destroy it after use. */
  clientWith(secretKey: string): S3Client;
  /** Creates a bucket on the gateway. */
  createBucket(bucket: string): Promise<void>;
  /** The object's bytes, or null when the gateway has none. */
  get(bucket: string, key: string): Promise<Buffer | null>;
  /** SHA-256 hex of the object's bytes, or null when absent. */
  hashOf(bucket: string, key: string): Promise<string | null>;
  /** Writes bytes behind the server's back (a corrupt copy). */
  put(bucket: string, key: string, bytes: Buffer): Promise<void>;
  /** Stops the gateway alone (an outage of the in-house tier); the cluster keeps its data. */
  stopGateway(): Promise<void>;
  /** Starts the gateway again on the same port and waits until it answers. */
  startGateway(): Promise<void>;
  /** Stops every daemon and removes the cluster's folder. */
  stop(): Promise<void>;
}

/**
 * Why the Ceph tests cannot run here, or false when they can. Under CI a missing Ceph
 * throws: a skipped test must not pass for a run that is meant to cover it.
 */
export function cephSkipReason(): string | false {
  const absent = TOOLS.filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (absent.length === 0) return false;
  const reason = `needs Debian's Ceph (ceph-mon ceph-osd radosgw ceph-common): ${absent.join(', ')} not found`;
  if (process.env.CI) throw new Error(`${reason}; CI must install them (.ci/run)`);
  return reason;
}

function script(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(SCRIPT, args, { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/ceph-dev.sh ${args[0]}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

export async function startCephRgw(): Promise<CephRgw> {
  const top = await mkdtemp(join(tmpdir(), 'hsync-ceph-'));
  const dir = join(top, 'cluster');
  let out: string;
  try {
    out = await script(['start', dir]);
  } catch (error) {
    await rm(top, { recursive: true, force: true });
    throw error;
  }
  const vars = Object.fromEntries(out.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
  const endpoint = vars.RGW_ENDPOINT;
  const region = vars.RGW_REGION;
  const accessKey = vars.RGW_ACCESS_KEY;
  const secretKey = vars.RGW_SECRET_KEY;
  const clientWith = (secret: string) =>
    new S3Client({
      region,
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: accessKey, secretAccessKey: secret },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const client = clientWith(secretKey);
  const get = async (bucket: string, key: string): Promise<Buffer | null> => {
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from((await res.Body?.transformToByteArray()) ?? []);
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
      throw error;
    }
  };
  return {
    endpoint,
    region,
    accessKey,
    secretKey,
    client,
    clientWith,
    async createBucket(bucket) {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    get,
    async hashOf(bucket, key) {
      const bytes = await get(bucket, key);
      return bytes && createHash('sha256').update(bytes).digest('hex');
    },
    async put(bucket, key, bytes) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
    },
    async stopGateway() {
      await script(['stop-gateway', dir]);
    },
    async startGateway() {
      await script(['start-gateway', dir]);
    },
    async stop() {
      client.destroy();
      try {
        await script(['stop', dir]);
      } finally {
        await rm(top, { recursive: true, force: true });
      }
    },
  };
}
