// Short-lived signed URLs for the in-house block service. The metadata role, which knows
// users and ownership, grants one method on one block until an expiry; the block role,
// which knows neither, checks the grant with the shared key (HMAC-SHA256) and nothing else.
// The namespace rides along signed: the block service records which namespace uploaded a
// block through a PUT grant, and answers a CONFIRM grant only for that same namespace.
// DELETE grants are made only by the metadata role's retention sweep, for blocks no
// revision references any more (server/meta/retention.ts); clients are never given one.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isBlockHash, type BlockHash } from '../../shared/common/blocks.js';

/** CONFIRM (sent as POST) asks whether the grant's namespace uploaded the block itself. */
export type GrantMethod = 'GET' | 'PUT' | 'HEAD' | 'CONFIRM' | 'DELETE';

export interface BlockGrant {
  method: GrantMethod;
  hash: BlockHash;
  /** Unix seconds after which the grant is refused. */
  expiresAt: number;
  namespace?: string;
}

export type GrantCheck = { ok: true; grant: BlockGrant } | { ok: false; reason: string };

/** Longest grant a block service honours, so a leaked URL cannot live for long. */
export const MAX_GRANT_SEC = 24 * 3600;

function signature(key: Buffer, grant: BlockGrant): Buffer {
  const canonical = ['hsync-block-grant-v1', grant.method, grant.hash, String(grant.expiresAt), grant.namespace ?? ''].join('\n');
  return createHmac('sha256', key).update(canonical).digest();
}

/** Names a key without revealing it: the first 8 hex digits of its SHA-256. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The query string (without "?") that carries a grant: `exp`, optional `ns`, `kid`, `sig`. */
export function grantQuery(key: Buffer, grant: BlockGrant): string {
  const params = new URLSearchParams({ exp: String(grant.expiresAt) });
  if (grant.namespace !== undefined) params.set('ns', grant.namespace);
  params.set('kid', keyId(key));
  params.set('sig', signature(key, grant).toString('hex'));
  return params.toString();
}

/** A full URL for `grant` on the block service at `base` (e.g. http://10.0.0.5:8788). */
export function grantUrl(base: string, key: Buffer, grant: BlockGrant): string {
  return new URL(`/v1/blocks/${grant.hash}?${grantQuery(key, grant)}`, base).toString();
}

/**
 * Checks a request against its grant: the method and hash come from the request itself,
 * so a grant for one block or method cannot be replayed on another. HEAD is allowed on
 * a GET grant (HTTP semantics).
 */
export function checkGrant(
  keys: Buffer | readonly Buffer[],
  method: string,
  hash: string,
  query: URLSearchParams,
  nowSec: number,
): GrantCheck {
  if (!isBlockHash(hash)) return { ok: false, reason: 'malformed block hash' };
  const exp = query.get('exp');
  const sig = query.get('sig');
  if (exp === null || sig === null) return { ok: false, reason: 'unsigned request' };
  if (!/^\d{1,12}$/.test(exp)) return { ok: false, reason: 'malformed expiry' };
  const expiresAt = Number(exp);
  if (expiresAt < nowSec) return { ok: false, reason: 'grant expired' };
  if (expiresAt > nowSec + MAX_GRANT_SEC) return { ok: false, reason: 'grant lasts too long' };
  if (!/^[0-9a-f]{64}$/.test(sig)) return { ok: false, reason: 'malformed signature' };
  const namespace = query.get('ns') ?? undefined;
  const given = Buffer.from(sig, 'hex');
  // The grant names its key; one without a name (older signer) is tried against each.
  const kid = query.get('kid');
  const ring = Array.isArray(keys) ? (keys as readonly Buffer[]) : [keys as Buffer];
  const candidates = kid === null ? ring : ring.filter((k) => keyId(k) === kid);
  if (candidates.length === 0) return { ok: false, reason: 'unknown signing key' };
  const methods: GrantMethod[] = method === 'HEAD' ? ['HEAD', 'GET'] : method === 'POST' ? ['CONFIRM'] : [method as GrantMethod];
  for (const key of candidates) {
    for (const m of methods) {
      const grant: BlockGrant = { method: m, hash, expiresAt, namespace };
      if (timingSafeEqual(signature(key, grant), given)) return { ok: true, grant };
    }
  }
  return { ok: false, reason: 'bad signature' };
}
