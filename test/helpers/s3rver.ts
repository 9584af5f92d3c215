// s3rver as the S3 peer of the tests: on 127.0.0.1, port 0, a fresh temp directory and
// one bucket. It accepts unsigned requests and does not decode aws-chunked bodies, so
// tests read back what they stored and hash it instead of trusting a 200.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import S3rver from 's3rver';

export interface S3rverPeer {
  endpoint: string;
  region: string;
  bucket: string;
  directory: string;
  /** Environment for a spawned server: credentials through the standard AWS variables. */
  env: Record<string, string>;
  /** The server's S3 flags for this peer (`--s3-prefix` not included). */
  flags: string[];
  /** Where s3rver keeps the bytes of `key` on disk (to corrupt or delete it behind S3's back). */
  objectPath(key: string): string;
  /**
   * The bytes s3rver stored for `key`, once its file holds `size` bytes. s3rver answers a
   * PUT when it has read the body, before its write stream to disk has finished, so a file
   * read right after the answer can still be short.
   */
  storedObject(key: string, size: number): Promise<Buffer>;
  /**
   * Whether s3rver's file for `key` hashes to `hash` (SHA-256 hex). An existing file is
   * re-read for up to 2 s, for the same reason as storedObject; a missing one is false at once.
   */
  holds(key: string, hash: string): Promise<boolean>;
  /** Deletes `key` behind the server's back, as a lost object would be. */
  deleteObject(key: string): Promise<void>;
  stop(): Promise<void>;
}

export const S3RVER_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  // The SDK warns on every start under Node 20; the warning is noise in test output.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export async function startS3rver(bucket = 'hsync-test'): Promise<S3rverPeer> {
  const directory = mkdtempSync(join(tmpdir(), 'hsync-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const region = 'us-east-1';
  return {
    endpoint,
    region,
    bucket,
    directory,
    env: { ...S3RVER_CREDENTIALS },
    flags: ['--s3-endpoint', endpoint, '--s3-region', region, '--s3-bucket', bucket, '--s3-path-style'],
    objectPath: (key) => server.store.getResourcePath(bucket, key, 'object'),
    async storedObject(key, size) {
      const path = server.store.getResourcePath(bucket, key, 'object');
      for (let waited = 0; waited < 2000 && (statSync(path, { throwIfNoEntry: false })?.size ?? -1) < size; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return readFileSync(path);
    },
    async holds(key, hash) {
      const path = server.store.getResourcePath(bucket, key, 'object');
      for (let waited = 0; ; waited += 10) {
        const bytes = readIfPresent(path);
        if (!bytes) return false;
        if (createHash('sha256').update(bytes).digest('hex') === hash) return true;
        if (waited >= 2000) return false;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async deleteObject(key) {
      await server.store.deleteObject(bucket, key);
    },
    async stop() {
      // Keep-alive sockets left by clients would hold close() until they time out.
      const closing = server.close();
      server.httpServer?.closeAllConnections();
      await closing;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function readIfPresent(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
