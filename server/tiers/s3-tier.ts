// The S3 block tier: blocks stored as objects at `<prefix>blocks/<sha256>`, small blocks
// packed many to an object at `<prefix>packs/<id>` (their ranges are in the tier index),
// plus presigned URLs so clients move bytes to and from S3 without holding credentials.
// A presigned PUT lands at `<prefix>staging/<namespace>/<sha256>`, never at the block's own
// key: confirm re-hashes the staged bytes and only then copies them into place.
//
// What reaches S3 must be the plain block bytes: the SDK is told to add checksums only
// when an operation requires them, and bodies are Buffers with a Content-Length, so it
// never switches to aws-chunked encoding (which some S3-compatible stores, s3rver among
// them, would store verbatim — a corrupt object behind a 200).

import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { isBlockHash, type BlockHash } from '../../shared/common/blocks.js';
import { SyncError } from '../../shared/common/errors.js';
import type { S3TierConfig } from './s3-config.js';

export interface S3Object {
  hash: BlockHash;
  size: number;
}

export class S3Tier {
  readonly client: S3Client;
  private readonly keyPrefix: string;
  private readonly packPrefix: string;
  private readonly stagingPrefix: string;

  /**
   * `timeoutMs`: a connection that takes longer to open, or a request whose socket stays
   * silent longer, fails as 'unavailable' (each of the SDK's attempts); default no limit.
   */
  constructor(readonly config: S3TierConfig, options: { maxSockets?: number; timeoutMs?: number } = {}) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
    const timeouts = options.timeoutMs ? { connectionTimeout: options.timeoutMs, socketTimeout: options.timeoutMs } : {};
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.pathStyle,
      profile: config.profile,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { httpAgent: new http.Agent(agentOptions), httpsAgent: new https.Agent(agentOptions), ...timeouts },
    });
    this.keyPrefix = `${config.prefix}blocks/`;
    this.packPrefix = `${config.prefix}packs/`;
    this.stagingPrefix = `${config.prefix}staging/`;
  }

  /** Where namespace `namespace`'s upload of `hash` waits for confirm. */
  stagingKey(namespace: string, hash: BlockHash): string {
    if (!/^\d{1,15}$/.test(namespace)) throw new SyncError('internal', `staging key for block ${hash}: bad namespace`);
    return `${this.stagingPrefix}${namespace}/${hash}`;
  }

  /** The staged upload's bytes, unchecked (the caller hashes them); null when there is none. */
  async getStaged(namespace: string, hash: BlockHash): Promise<Buffer | null> {
    try {
      return await this.send(`read staged block ${hash} from S3`, async () => {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.stagingKey(namespace, hash) }));
        if (!out.Body) return Buffer.alloc(0);
        return Buffer.from(await out.Body.transformToByteArray());
      });
    } catch (error) {
      if ((error as SyncError).code === 'not_found') return null;
      throw error;
    }
  }

  async deleteStaged(namespace: string, hash: BlockHash): Promise<void> {
    await this.send(`delete staged block ${hash} from S3`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.stagingKey(namespace, hash) })),
    );
  }

  /** Where pack `id` lives in the bucket. */
  packKey(id: string): string {
    return this.packPrefix + id;
  }

  /** Where `hash` lives in the bucket. */
  key(hash: BlockHash): string {
    return this.keyPrefix + hash;
  }

  /** Human-readable location, for messages and logs. */
  get location(): string {
    return `s3://${this.config.bucket}/${this.keyPrefix}`;
  }

  /** True when the bucket answers right now (a HEAD of the bucket, credentials checked). */
  async reachable(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
      return true;
    } catch {
      return false;
    }
  }

  /** Stores a block, after checking that the bytes are the block they claim to be. */
  async put(hash: BlockHash, bytes: Uint8Array): Promise<void> {
    const actual = sha256(bytes);
    if (actual !== hash) throw new SyncError('hash_mismatch', `store block ${hash} in S3: bytes hash to ${actual}`);
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.send(`store block ${hash} in S3`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: this.key(hash),
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/octet-stream',
        }),
      ),
    );
  }

  /**
   * Reads a block and hash-checks it: 'not_found' when S3 has no such object,
   * 'hash_mismatch' when S3 answers with other bytes (stale, truncated, corrupted).
   */
  async get(hash: BlockHash): Promise<Buffer> {
    const bytes = await this.send(`read block ${hash} from S3`, async () => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(hash) }));
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    });
    const actual = sha256(bytes);
    if (actual !== hash) {
      throw new SyncError('hash_mismatch', `read block ${hash} from S3: ${bytes.length} bytes hash to ${actual}`);
    }
    return bytes;
  }

  /** The stored object's size, or null when S3 has none. */
  async head(hash: BlockHash): Promise<number | null> {
    try {
      const out = await this.send(`check block ${hash} in S3`, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.key(hash) })),
      );
      return out.ContentLength ?? 0;
    } catch (error) {
      if ((error as SyncError).code === 'not_found') return null;
      throw error;
    }
  }

  /** Deletes a block's object; deleting one that is absent is not an error (S3 semantics). */
  async delete(hash: BlockHash): Promise<void> {
    await this.send(`delete block ${hash} from S3`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.key(hash) })),
    );
  }

  /** Every block object under the prefix, in key order; other keys are skipped. */
  async *list(): AsyncGenerator<S3Object> {
    let token: string | undefined;
    do {
      const page = await this.send(`list ${this.location}`, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.keyPrefix, ContinuationToken: token }),
        ),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(this.keyPrefix.length);
        if (isBlockHash(name)) yield { hash: name, size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Stores a pack: the plain concatenation of blocks the caller has hash-checked; where each
   * one sits is recorded in the tier index, not in the object. Pack ids are new each time,
   * so a pack is never overwritten.
   */
  async putPack(id: string, parts: Buffer[]): Promise<number> {
    const body = Buffer.concat(parts);
    await this.send(`store pack ${id} in S3`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: this.packKey(id),
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/octet-stream',
        }),
      ),
    );
    return body.length;
  }

  /**
   * Bytes `offset` to `offset + length` of pack `id` (one ranged GET), unchecked: the
   * caller hash-checks each block in it. A short answer comes back short.
   */
  async getPackRange(id: string, offset: number, length: number): Promise<Buffer> {
    return this.send(`read pack ${id} from S3`, async () => {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.packKey(id), Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    });
  }

  /** Reads a packed block and hash-checks it, as get() does for a whole-block object. */
  async getPacked(hash: BlockHash, pack: string, offset: number, size: number): Promise<Buffer> {
    const bytes = await this.getPackRange(pack, offset, size);
    const actual = sha256(bytes);
    if (actual !== hash) {
      throw new SyncError('hash_mismatch', `read block ${hash} from S3 pack ${pack}: ${bytes.length} bytes hash to ${actual}`);
    }
    return bytes;
  }

  async deletePack(id: string): Promise<void> {
    await this.send(`delete pack ${id} from S3`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.packKey(id) })),
    );
  }

  /** A URL a client may GET pack `id` from (it sends a Range header for its block). */
  async presignGetPack(id: string, expiresSec: number): Promise<string> {
    const command = new GetObjectCommand({ Bucket: this.config.bucket, Key: this.packKey(id) });
    return getSignedUrl(this.client, command, { expiresIn: expiresSec });
  }

  /** A URL namespace `namespace` may PUT the block's plain bytes to (its staging key), for `expiresSec` seconds. */
  async presignPut(hash: BlockHash, expiresSec: number, namespace: string): Promise<string> {
    const command = new PutObjectCommand({ Bucket: this.config.bucket, Key: this.stagingKey(namespace, hash) });
    return getSignedUrl(this.client, command, { expiresIn: expiresSec });
  }

  /** A URL a client may GET the block from, for `expiresSec` seconds. */
  async presignGet(hash: BlockHash, expiresSec: number): Promise<string> {
    const command = new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(hash) });
    return getSignedUrl(this.client, command, { expiresIn: expiresSec });
  }

  close(): void {
    this.client.destroy();
  }

  /** Runs one SDK call, mapping its failures to SyncError codes at this boundary. */
  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw mapS3Error(operation, error);
    }
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** S3 and network failures as SyncErrors: absent → not_found, the rest → unavailable. */
export function mapS3Error(operation: string, error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'NoSuchKey' || e.name === 'NotFound' || status === 404 || e.name === 'InvalidRange' || status === 416) {
    return new SyncError('not_found', `${operation}: no such object`, { cause: error });
  }
  const reason = status ? `HTTP ${status} ${e.name ?? ''}`.trim() : (e.message ?? String(error));
  return new SyncError('unavailable', `${operation}: ${reason}`, { cause: error });
}
