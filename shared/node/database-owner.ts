// One process at a time on a node-sqlite3-wasm database. Its VFS locks with a `<db>.lock`
// folder that a process killed mid-transaction leaves behind, and it sees no other
// process's POSIX locks; an owner file beside the database (the pid) tells a live owner
// from a stale lock. Used by the client's index and the server's wasm SQLite driver.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SyncError } from '../common/errors.js';
import { PRIVATE_FILE_MODE } from './private-files.js';

/** The pid `ownerFile` names, or 0 when there is none (nobody has it open, or it predates owner files). */
function ownerPid(ownerFile: string): number {
  try {
    return Number(readFileSync(ownerFile, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** The pid in `ownerFile` when that process still runs and is not this one, else null. */
export function liveOwner(ownerFile: string): number | null {
  const pid = ownerPid(ownerFile);
  return pid > 0 && pid !== process.pid && isAlive(pid) ? pid : null;
}

/**
 * Makes this process the owner of `dbFile`, clearing a lock a dead owner left; throws
 * SyncError 'io' (naming `what` and `hint`) while another live process owns it. Returns
 * true when the previous owner never gave it back (a crash or a power cut: its owner file
 * is still there), which the client's index reads as an unclean stop.
 */
export function claimDatabase(ownerFile: string, dbFile: string, what: string, hint: string): boolean {
  const previous = ownerPid(ownerFile);
  const pid = liveOwner(ownerFile);
  if (pid !== null) throw new SyncError('io', `open ${what} "${dbFile}": in use by process ${pid} (${hint})`);
  rmSync(`${dbFile}.lock`, { recursive: true, force: true });
  writeFileSync(ownerFile, `${process.pid}\n`, { mode: PRIVATE_FILE_MODE });
  return previous > 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
