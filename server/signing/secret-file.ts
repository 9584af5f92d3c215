// The key the metadata and block roles share to sign and check block URLs. Whichever role
// starts first creates it; the other reads it. Creation is atomic and never overwrites:
// the key is written to a private temp file, fsynced, then hard-linked into place, and a
// link that finds the name taken means another role won the race, so its key is used.
//
// Rotation: the file holds one key per line. The first line signs; every line is accepted
// when checking, and each grant names its key (`kid`), so a new key is put on the first
// line on every host (block services first), and the old line removed once the URLs it
// signed have expired (docs/hybrid-storage.md, "Signed URLs").

import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { SyncError } from '../../shared/common/errors.js';
import { PRIVATE_FILE_MODE } from '../../shared/node/private-files.js';

const KEY_BYTES = 32;

/** The key that signs (the file's first line), creating the file (mode 0600) when absent. */
export function loadOrCreateSecret(path: string): Buffer {
  return loadOrCreateKeys(path)[0];
}

/** Every key the file holds, the signing one first, creating the file when absent. */
export function loadOrCreateKeys(path: string): Buffer[] {
  try {
    return readKeys(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', PRIVATE_FILE_MODE);
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
  return readKeys(path);
}

/** Reads the signing key of an existing file (see readKeys). */
export function readSecret(path: string): Buffer {
  return readKeys(path)[0];
}

/**
 * Reads an existing file's keys; refuses a symlink (the key would be wherever it points), a
 * file others can read, and a line too short to be a key.
 */
export function readKeys(path: string): Buffer[] {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new SyncError('forbidden', `read secret file ${path}: is a symbolic link; point at the file itself`);
    throw error;
  }
  let text: string;
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new SyncError('forbidden', `read secret file ${path}: not a regular file`);
    const mode = info.mode & 0o777;
    if (mode & 0o077) throw new SyncError('forbidden', `read secret file ${path}: mode ${mode.toString(8)} lets others read it (chmod 600)`);
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0 || lines.some((l) => !/^[0-9a-f]+$/.test(l) || l.length < KEY_BYTES * 2 || l.length % 2 !== 0)) {
    throw new SyncError('bad_request', `read secret file ${path}: expected one key of at least ${KEY_BYTES * 2} hex digits per line`);
  }
  return lines.map((l) => Buffer.from(l, 'hex'));
}
