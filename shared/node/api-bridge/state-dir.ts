// Where a client keeps its state. One place for both the desktop app and `hsync sync`, so
// the two find the same index for the same folder and account (docs/engine.md, "State"):
//   <XDG_STATE_HOME or ~/.local/state>/hybrid-sync/control.json      the running client
//   <XDG_STATE_HOME or ~/.local/state>/hybrid-sync/folders/<id>/     one synced root's index
// `hsync status` with no flags finds the client `npm start` runs through control.json.

import { createHash } from 'node:crypto';
import { cp, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { makePrivateDir } from '../private-files.js';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'hybrid-sync');
}

/**
 * Which account a folder syncs with: the server URL and token, or the embedded server's
 * token (its port changes from start to start, its data does not).
 */
export function accountKey(serverUrl: string | null, token: string): string {
  return serverUrl ? `${serverUrl}\n${token}` : `embedded\n${token}`;
}

/**
 * The state folder of one synced root on one account: its own index (the merge base). Keyed
 * by folder and account, so pointing a client at another server or account starts from an
 * empty base — local files are offered as new, never deleted — instead of reusing a base
 * that belongs to another journal (which the engine refuses as a changed server identity).
 */
export function folderStateDir(stateDir: string, folder: string, account: string): string {
  const id = createHash('sha256').update(`${resolve(folder)}\n${account}`).digest('hex').slice(0, 16);
  return join(stateDir, 'folders', id);
}

/** Where `hsync sync` kept a root's state before it shared the desktop app's place. */
export function legacyCliFolderState(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  const id = createHash('sha256').update(root).digest('hex').slice(0, 12);
  return join(data, 'hybrid-sync', 'folders', `${basename(root).replace(/[^\w.-]/g, '_') || 'root'}-${id}`);
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/**
 * Moves a state folder from its old place to `target` when only the old one exists, so an
 * upgrade keeps the index (and with it the merge base: without it every file would be
 * compared afresh). A copy, then a delete, when the two are on different disks.
 * True when something moved.
 */
export async function adoptLegacyState(legacy: string, target: string): Promise<boolean> {
  if ((await exists(target)) || !(await exists(legacy))) return false;
  makePrivateDir(dirname(target));
  try {
    await rename(legacy, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(legacy, target, { recursive: true, errorOnExist: true, force: false });
    await rm(legacy, { recursive: true, force: true });
  }
  return true;
}
