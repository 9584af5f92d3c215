// The in-house block tier on a separate block service (`hsync server --role blocks`),
// reached with short-lived signed URLs made with the shared key. Connection failures,
// timeouts and 5xx become 'unavailable', 507 'disk_full': what the metadata side passes on
// to clients, which then fall back to S3.

import http from 'node:http';
import { SyncError } from '../../shared/common/errors.js';
import type { BlockHash } from '../../shared/common/blocks.js';
import { grantUrl, type GrantMethod } from '../signing/block-grant.js';
import type { BlockLocation } from '../blocks/block-files.js';
import type { StoredBlock } from '../blocks/get-blocks.js';
import { checkBytes, readEach, type InhouseStore } from './inhouse-store.js';

/** Lifetime of the grants the metadata side makes for its own requests. */
const SELF_GRANT_SEC = 60;

export interface RemoteInhouseOptions {
  timeoutMs?: number;
  maxSockets?: number;
}

export class RemoteInhouse implements InhouseStore {
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;

  constructor(
    readonly location: string,
    private readonly key: Buffer,
    options: RemoteInhouseOptions = {},
  ) {
    const url = new URL(location);
    if (url.protocol !== 'http:') throw new SyncError('bad_request', `block service "${location}": must be an http:// URL`);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 });
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** A URL for a client (or this process) to use on the block service. */
  url(method: GrantMethod, hash: string, expiresInSec: number, namespace?: string): { url: string; expiresAt: number } {
    const expiresAt = Math.floor(Date.now() / 1000) + expiresInSec;
    return { url: grantUrl(this.location, this.key, { method, hash: hash as BlockHash, expiresAt, namespace }), expiresAt };
  }

  async read(hash: string, _where: BlockLocation | null): Promise<Buffer> {
    const res = await this.send('GET', hash);
    if (res.status === 404) throw new SyncError('not_found', `read block ${hash}: missing from ${this.location}`);
    this.check(res, `read block ${hash}`);
    return checkBytes(hash, res.body, this.location);
  }

  /** One signed GET per block, 8 at a time; a block that fails is left out (absent). */
  readMany(found: ReadonlyMap<string, StoredBlock>): Promise<Map<string, Buffer>> {
    return readEach(this, found);
  }

  async write(hash: string, bytes: Buffer): Promise<void> {
    this.check(await this.send('PUT', hash, bytes), `store block ${hash}`);
  }

  async head(hash: string): Promise<number | null> {
    const res = await this.send('HEAD', hash);
    if (res.status === 404) return null;
    this.check(res, `check block ${hash}`);
    return Number(res.headers['content-length'] ?? 0);
  }

  /** The block's size when namespace `namespace` uploaded it itself through a signed PUT, else null (the mark is used up). */
  async uploadedBy(hash: string, namespace: string): Promise<number | null> {
    const res = await this.request('POST', new URL(this.url('CONFIRM', hash, SELF_GRANT_SEC, namespace).url));
    if (res.status === 404) return null;
    this.check(res, `confirm block ${hash}`);
    return Number((JSON.parse(res.body.toString()) as { size?: unknown }).size);
  }

  /**
   * Deletes the block (the retention sweep, once its rows are gone): true when freed or
   * already absent, false when the block service kept it because it was written lately.
   */
  async free(hash: string): Promise<boolean> {
    const res = await this.send('DELETE', hash);
    this.check(res, `free block ${hash}`);
    return (JSON.parse(res.body.toString()) as { freed?: unknown }).freed === true;
  }

  async healthy(): Promise<boolean> {
    try {
      const res = await this.request('GET', new URL('/v1/health', this.location));
      return res.status === 200;
    } catch {
      return false;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: GrantMethod, hash: string, body?: Buffer) {
    return this.request(method, new URL(this.url(method, hash, SELF_GRANT_SEC).url), body);
  }

  private check(res: { status: number; body: Buffer }, operation: string): void {
    if (res.status >= 200 && res.status < 300) return;
    let reason = `HTTP ${res.status}`;
    try {
      reason = (JSON.parse(res.body.toString()) as { error: { message: string } }).error.message;
    } catch {
      // Not our JSON: the status says enough.
    }
    if (res.status === 507) throw new SyncError('disk_full', `${operation}: block service full (${reason})`);
    if (res.status === 422) throw new SyncError('hash_mismatch', `${operation}: ${reason}`);
    if (res.status === 403) throw new SyncError('internal', `${operation}: block service refused our grant (${reason}); do both roles share --secret-file?`);
    throw new SyncError('unavailable', `${operation}: block service ${this.location} answered ${reason}`);
  }

  private request(method: string, url: URL, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const fail = (error: Error) =>
        reject(new SyncError('unavailable', `${method} block service ${this.location}: ${error.message}`, { cause: error }));
      const req = http.request(
        url,
        { method, agent: this.agent, headers: body ? { 'content-length': body.length, 'content-type': 'application/octet-stream' } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('response truncated')));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error('timed out')));
      req.on('error', fail);
      req.end(body);
    });
  }
}
