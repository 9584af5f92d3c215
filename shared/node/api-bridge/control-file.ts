// `<stateDir>/control.json` tells local tools (hsync status/pause/resume) where the running
// client listens and which token it wants. Mode 0600: the token is the only thing standing
// between other local users and the user's files, so only the owner may read it.

import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncError } from '../../common/errors.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../private-files.js';

export interface ControlInfo {
  url: string;
  token: string;
  pid: number;
}

export const CONTROL_FILE = 'control.json';

export function controlFilePath(stateDir: string): string {
  return join(stateDir, CONTROL_FILE);
}

/** Writes control.json atomically (temp file + rename), owner-only. */
export async function writeControlFile(stateDir: string, info: ControlInfo): Promise<void> {
  makePrivateDir(stateDir);
  const tmp = join(stateDir, `.${CONTROL_FILE}.${randomBytes(4).toString('hex')}`);
  await writeFile(tmp, JSON.stringify(info, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
  await rename(tmp, controlFilePath(stateDir));
}

/** Removes control.json only if it still describes this run (a newer client may own it). */
export async function removeControlFile(stateDir: string, url: string): Promise<void> {
  const current = await readControlFile(stateDir).catch(() => null);
  if (current?.url === url) await rm(controlFilePath(stateDir), { force: true });
}

/** Reads control.json; 'unavailable' when no client has written one, 'bad_request' when it is damaged. */
export async function readControlFile(stateDir: string): Promise<ControlInfo> {
  const path = controlFilePath(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SyncError('unavailable', `find client "${stateDir}": no client is running (no ${CONTROL_FILE})`, { cause: error });
    }
    throw new SyncError('io', `read "${path}": ${(error as Error).message}`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SyncError('bad_request', `read "${path}": not valid JSON`, { cause: error });
  }
  const { url, token, pid } = (data ?? {}) as Partial<ControlInfo>;
  if (typeof url !== 'string' || !url.startsWith('http://127.0.0.1:') || typeof token !== 'string' || token === '') {
    throw new SyncError('bad_request', `read "${path}": missing url or token`);
  }
  return { url, token, pid: typeof pid === 'number' ? pid : 0 };
}
