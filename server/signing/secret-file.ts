// The key the metadata and block roles share to sign and check block URLs. Whichever role
// starts first creates it; the other reads it. Creation is atomic and never overwrites:
// the key is written to a private temp file, fsynced, then hard-linked into place, and a
// link that finds the name taken means another role won the race, so its key is used.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { SyncError } from '../../shared/common/errors.js';

const KEY_BYTES = 32;

/** Reads the shared key from `path`, creating it (mode 0600) when absent. */
export function loadOrCreateSecret(path: string): Buffer {
  try {
    return readSecret(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(KEY_BYTES).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
  return readSecret(path);
}

/** Reads an existing key; refuses one others can read, or one too short to be a key. */
export function readSecret(path: string): Buffer {
  const text = readFileSync(path, 'utf8').trim();
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new SyncError('forbidden', `read secret file ${path}: mode ${mode.toString(8)} lets others read it (chmod 600)`);
  }
  if (!/^[0-9a-f]+$/.test(text) || text.length < KEY_BYTES * 2) {
    throw new SyncError('bad_request', `read secret file ${path}: expected at least ${KEY_BYTES * 2} hex digits`);
  }
  return Buffer.from(text, 'hex');
}
