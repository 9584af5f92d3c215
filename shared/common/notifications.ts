// Which status changes deserve a desktop notification: only what needs the user — a held
// mass deletion, a full server (or disk), a refused token (signed out), a missing folder. Routine
// syncs, going offline and coming back never notify. Each fires once when its condition
// starts, and again only after it cleared. Pure, so it is unit-tested directly.

import { plural } from './status-words.js';
import type { SyncStatus } from './sync-api.js';

export interface Notice {
  /** One per condition: a notification with the same key replaces the last one. */
  key: 'mass_delete' | 'server_full' | 'signed_out' | 'folder_missing';
  title: string;
  body: string;
}

type Seen = Pick<SyncStatus, 'error' | 'pendingDeletes'>;

function active(s: Seen | null): Set<Notice['key']> {
  const keys = new Set<Notice['key']>();
  if (!s) return keys;
  if (s.pendingDeletes) keys.add('mass_delete');
  if (s.error?.code === 'disk_full') keys.add('server_full');
  if (s.error?.code === 'unauthorized') keys.add('signed_out');
  if (s.error?.code === 'folder_missing') keys.add('folder_missing');
  return keys;
}

/** The notifications for the conditions `next` has and `prev` had not. */
export function noticesFor(prev: Seen | null, next: Seen & Pick<SyncStatus, 'folder'>): Notice[] {
  const before = active(prev);
  const notices: Notice[] = [];
  for (const key of active(next)) {
    if (before.has(key)) continue;
    notices.push(notice(key, next));
  }
  return notices;
}

function notice(key: Notice['key'], s: Seen & Pick<SyncStatus, 'folder'>): Notice {
  switch (key) {
    case 'mass_delete': {
      const n = s.pendingDeletes?.count ?? 0;
      return { key, title: `Delete ${n} ${plural(n, 'file')} everywhere?`, body: 'Hybrid Sync is holding the deletion back until you confirm or cancel it in the status window.' };
    }
    case 'server_full':
      // disk_full is the server's answer (507) or this disk's (ENOSPC); the message says which.
      return { key, title: 'Out of space', body: `${s.error?.message ?? 'No space left'}. Changes wait on this device until there is space again.` };
    case 'signed_out':
      return { key, title: 'Signed out', body: 'The server no longer accepts this device’s token. Enter a new one in Preferences.' };
    case 'folder_missing':
      return { key, title: 'Your Hybrid Sync folder is missing', body: `${s.folder} was moved, deleted or unmounted. Nothing was deleted on the server; syncing resumes when it is back.` };
  }
}
