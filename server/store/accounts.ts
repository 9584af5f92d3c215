// Users, their home namespaces and their bearer tokens. Tokens are 256 random bits shown
// once; only their SHA-256 is stored, and a presented token is compared in constant time.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SyncError } from '../../shared/common/errors.js';
import { durably, type Db } from './database.js';

/** Who a request acts for. */
export interface Caller {
  userId: number;
  user: string;
  namespaceId: number;
  namespace: string;
}

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Throws SyncError 'bad_request' for a malformed user name. */
export function checkUserName(name: string): void {
  if (!USER_NAME.test(name)) {
    throw new SyncError('bad_request', `add user "${name}": names are 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit`);
  }
}

/** The error for a name a user or namespace already has. */
export function nameTaken(name: string, what: 'user' | 'namespace'): SyncError {
  return new SyncError('bad_request', `add user "${name}": a ${what} with this name exists`);
}

/** A new token: 256 random bits. */
export function newToken(): string {
  // A fixed prefix: a token never starts with '-' (which argument parsers read as a flag)
  // and is recognisable in logs and secret scanners.
  return `hst_${randomBytes(32).toString('base64url')}`;
}

/** The caller of a row found by the presented token's hash, or null. */
export function callerOfRow(row: (Caller & { hash: Buffer }) | undefined, presented: Buffer): Caller | null {
  // The lookup is by hash, so timing reveals nothing about the token itself; the explicit
  // constant-time comparison keeps that true whatever index the database uses.
  if (!row || !timingSafeEqual(row.hash, presented)) return null;
  return { userId: row.userId, user: row.user, namespaceId: row.namespaceId, namespace: row.namespace };
}

/** The query that finds a token's caller (the same on SQLite and PostgreSQL but for the placeholder). */
export const CALLER_SQL = `SELECT t.hash AS hash, u.id AS "userId", u.name AS "user", n.id AS "namespaceId", n.name AS "namespace"
       FROM tokens t JOIN users u ON u.id = t.user_id JOIN namespaces n ON n.id = u.namespace_id
       WHERE t.hash = ?`;

/**
 * Creates user `name` with a home namespace of the same name and returns a new token.
 * Throws SyncError 'bad_request' for a malformed name or one that is taken.
 */
export function createUser(db: Db, name: string): string {
  checkUserName(name);
  const token = newToken();
  const now = Date.now();
  durably(db, () => {
    if (db.prepare('SELECT 1 FROM users WHERE name = ?').get(name)) {
      throw nameTaken(name, 'user');
    }
    if (db.prepare('SELECT 1 FROM namespaces WHERE name = ?').get(name)) {
      throw nameTaken(name, 'namespace');
    }
    const ns = db.prepare('INSERT INTO namespaces (name, created_at) VALUES (?, ?)').run(name, now);
    const user = db.prepare('INSERT INTO users (name, namespace_id, created_at) VALUES (?, ?, ?)').run(name, ns.lastInsertRowid, now);
    db.prepare('INSERT INTO tokens (hash, user_id, created_at) VALUES (?, ?, ?)').run(tokenHash(token), user.lastInsertRowid, now);
  });
  return token;
}

/** The caller a bearer token belongs to, or null for an unknown token. */
export function authenticate(db: Db, token: string): Caller | null {
  const presented = tokenHash(token);
  const row = db.prepare(CALLER_SQL).get(presented) as (Caller & { hash: Buffer }) | undefined;
  return callerOfRow(row, presented);
}
