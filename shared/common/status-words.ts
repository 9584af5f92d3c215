// Pure wording and number formatting for every UI (status window, tray, CLI): what a
// person reads. Runs anywhere, so it is unit-tested directly.

import type { ActivityItem, StorageState, SyncStatus } from './sync-api.js';

export type Tone = 'ok' | 'busy' | 'paused' | 'offline' | 'error';

/** The headline: "Up to date", "Syncing 12 files…", "Paused", "Offline", "Error: …". */
export function stateWords(s: Pick<SyncStatus, 'state' | 'pending' | 'error' | 'pendingDeletes'>): string {
  const files = s.pending.up.files + s.pending.down.files;
  switch (s.state) {
    case 'idle':
      return s.pendingDeletes ? 'Waiting for your confirmation' : 'Up to date';
    case 'scanning':
      return 'Checking for changes…';
    case 'syncing':
      return files > 0 ? `Syncing ${files} ${plural(files, 'file')}…` : 'Syncing…';
    case 'paused':
      return 'Paused';
    case 'offline':
      return 'Offline';
    case 'error':
      return `Error: ${s.error?.message ?? 'unknown problem'}`;
  }
}

export function stateTone(state: SyncStatus['state']): Tone {
  switch (state) {
    case 'idle':
      return 'ok';
    case 'scanning':
    case 'syncing':
      return 'busy';
    case 'paused':
      return 'paused';
    case 'offline':
      return 'offline';
    case 'error':
      return 'error';
  }
}

export function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Decimal units, like file managers: 1 KB = 1000 B. One decimal below 10, none above. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${text} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}

/** Seconds left at the current rate, or null when nothing moves. */
export function etaSeconds(bytesLeft: number, bytesPerSec: number): number | null {
  if (bytesLeft <= 0 || bytesPerSec <= 0) return null;
  return Math.ceil(bytesLeft / bytesPerSec);
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** "just now", "5 min ago", "3 h ago", else the date. */
export function timeAgo(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(at).toLocaleDateString();
}

const ACTIONS: Record<ActivityItem['action'], [string, string]> = {
  added: ['Uploaded', 'Downloaded'],
  modified: ['Updated', 'Updated'],
  deleted: ['Deleted', 'Deleted'],
  moved: ['Moved', 'Moved'],
  conflict: ['Conflict copy', 'Conflict copy'],
};

/** "Uploaded", "Downloaded", "Updated" … for one activity row (direction shown separately). */
export function activityWords(item: ActivityItem): string {
  return ACTIONS[item.action][item.direction === 'up' ? 0 : 1];
}

export function storageWords(storage: StorageState): string {
  switch (storage.mode) {
    case 'inhouse':
      return 'In-house block store';
    case 's3':
      return 'S3 (placement)';
    case 'fallback':
      return 'Degraded: using S3 fallback';
  }
}

/** The tray's one-line status: "Up to date", "Syncing 12 files, 48 MB left", "Paused". */
export function trayLine(s: SyncStatus): string {
  if (s.state !== 'syncing') return stateWords(s);
  const files = s.pending.up.files + s.pending.down.files;
  const bytes = s.pending.up.bytes + s.pending.down.bytes;
  if (files === 0) return 'Syncing…';
  return `Syncing ${files} ${plural(files, 'file')}, ${formatBytes(bytes)} left`;
}

/** How many of these files wait for the in-house store to come back (an outage); they sync once it does. */
export function waitingForStorage(problems: readonly { code: string }[]): number {
  return problems.filter(isStorageWait).length;
}

/** A file that waits for the in-house store: its block could not be read while the store was down. */
export function isStorageWait(problem: { code: string }): boolean {
  return problem.code === 'storage_unavailable';
}

/** "Waiting for in-house storage: 3 files", the words for files held back by an outage of the block store. */
export function waitingForStorageWords(files: number): string {
  return `Waiting for in-house storage: ${files} ${plural(files, 'file')}`;
}

/** The problems card's title: the files waiting for in-house storage, then those that cannot sync. */
export function problemsTitle(problems: readonly { code: string }[]): string {
  const waiting = waitingForStorage(problems);
  const other = problems.length - waiting;
  const parts = waiting > 0 ? [waitingForStorageWords(waiting)] : [];
  if (other > 0) parts.push(`${other} ${plural(other, 'file')} cannot sync`);
  return parts.join('; ');
}

/**
 * The folders selective sync leaves out, with those inside them taken back:
 * "big/ (but big/raw/), old/".
 */
export function excludedWords(s: Pick<SyncStatus, 'excludedFolders' | 'includedFolders'>): string {
  return s.excludedFolders
    .map((folder) => {
      const back = s.includedFolders.filter((path) => path.startsWith(`${folder}/`));
      return back.length > 0 ? `${folder}/ (but ${back.map((path) => `${path}/`).join(', ')})` : `${folder}/`;
    })
    .join(', ');
}
