// The Conflicts card: every conflicted copy beside the file it conflicted with, both
// versions' sizes and times and the copy's device, and one click to keep the original, the
// copy, or both. The list is fetched when the folder has synced (a conflict is made or
// resolved only by a sync) and after each resolution; never on every status push.

import { formatBytes, timeAgo } from '../../shared/common/status-words.js';
import type { ConflictCopy, ConflictKeep, SyncApi, SyncStatus } from '../../shared/common/sync-api.js';
import { byId, el, replaceRows } from './dom.js';

export function setupConflicts(api: SyncApi, onError: (message: string) => void): (status: SyncStatus) => void {
  let seenSync: number | null | undefined;
  let conflicts: ConflictCopy[] = [];

  async function reload(): Promise<void> {
    conflicts = await api.listConflicts();
    render(Date.now());
  }

  function render(now: number): void {
    byId('conflicts-card').hidden = conflicts.length === 0;
    byId('conflicts-title').textContent = `${conflicts.length} conflicted ${conflicts.length === 1 ? 'copy' : 'copies'}`;
    replaceRows(byId('conflicts'), JSON.stringify(conflicts), () => conflicts.map((c) => row(c, now)));
  }

  function row(c: ConflictCopy, now: number): HTMLElement {
    const li = el('li', 'row conflict');
    li.setAttribute('aria-label', c.original);
    const versions = el('div', 'versions');
    versions.append(
      el('span', 'path', c.original),
      el('span', 'muted small', c.current ? `Kept here: ${formatBytes(c.current.size)}, changed ${timeAgo(c.current.mtime, now)}` : 'Kept here: deleted'),
      el('span', 'muted small', `${c.device}'s copy: ${formatBytes(c.copy.size)}, changed ${timeAgo(c.copy.mtime, now)}`),
    );
    const buttons = el('div', 'actions');
    buttons.append(
      button('Keep original', c, 'original'),
      button(`Keep ${c.device}'s copy`, c, 'copy'),
      button('Keep both', c, 'both'),
    );
    li.append(versions, buttons);
    return li;
  }

  function button(label: string, c: ConflictCopy, keep: ConflictKeep): HTMLButtonElement {
    const b = el('button', 'secondary small', label);
    b.type = 'button';
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await api.resolveConflict(c.path, keep);
        await reload();
      } catch (e) {
        onError(`${label}: ${(e as Error).message}`);
        b.disabled = false;
      }
    });
    return b;
  }

  return (status) => {
    if (status.lastSyncedAt === seenSync) return;
    seenSync = status.lastSyncedAt;
    reload().catch((e: Error) => onError(`Conflicts: ${e.message}`));
  };
}
