// The "Version history" card: the server's revisions of one file (SyncApi listRevisions),
// newest first with time, device and size, deletions marked, and a Restore button on each
// earlier version (SyncApi restoreVersion: written into the folder and committed as a new
// revision). A file is picked by typing its path, or from Recent activity, deleted files
// included; a file or a whole folder can also be restored as it was at a time.

import { formatBytes, timeAgo } from '../../shared/common/status-words.js';
import type { FileRevision, RestoreRequest, SyncApi } from '../../shared/common/sync-api.js';
import { byId, el, replaceRows } from './dom.js';

export function setupHistory(api: SyncApi, onError: (message: string) => void): void {
  const form = byId<HTMLFormElement>('history-form');
  const field = byId<HTMLInputElement>('history-path');
  let shown: { path: string; revisions: FileRevision[] } | null = null;

  async function load(path: string): Promise<void> {
    const revisions = await api.listRevisions(path);
    shown = { path, revisions };
    render(Date.now());
  }

  function render(now: number): void {
    if (!shown) return;
    const { path, revisions } = shown;
    byId('history-summary').textContent =
      revisions.length === 0
        ? `The server keeps no versions of ${path}. For a folder, restore it as of a time below.`
        : `${revisions.length} ${revisions.length === 1 ? 'version' : 'versions'} of ${path}, newest first:`;
    replaceRows(byId('history'), JSON.stringify(shown) + Math.floor(now / 30_000), () => revisions.map((r, i) => row(path, r, i === 0, now)));
  }

  function row(path: string, r: FileRevision, newest: boolean, now: number): HTMLElement {
    const li = el('li', 'row revision');
    const when = new Date(r.time);
    li.setAttribute('aria-label', `Revision ${r.rev}`);
    const what = el('div', 'versions');
    const time = el('time', 'path', `${when.toLocaleString()} (${timeAgo(r.time, now)})`);
    time.setAttribute('datetime', when.toISOString());
    what.append(time, el('span', 'muted small', `${r.deleted ? 'Deleted' : formatBytes(r.size)} · by ${r.device} · revision ${r.rev}`));
    li.append(what);
    if (newest && !r.deleted) li.append(el('span', 'muted small', 'Current version'));
    else if (!r.deleted) li.append(restoreButton('Restore', `Restore revision ${r.rev}`, { path, rev: r.rev }));
    return li;
  }

  function restoreButton(label: string, name: string, request: RestoreRequest): HTMLButtonElement {
    const b = el('button', 'secondary small', label);
    b.type = 'button';
    b.setAttribute('aria-label', name);
    b.addEventListener('click', () => void restore(b, request));
    return b;
  }

  async function restore(b: HTMLButtonElement, request: RestoreRequest): Promise<void> {
    b.disabled = true;
    try {
      const lines = await api.restoreVersion(request);
      byId('history-result').textContent = lines.join('\n');
      await load(request.path);
    } catch (e) {
      onError(`Restore ${request.path}: ${(e as Error).message}`);
    } finally {
      b.disabled = false;
    }
  }

  async function show(path: string): Promise<void> {
    byId('history-result').textContent = '';
    try {
      await load(path);
    } catch (e) {
      onError(`Version history: ${(e as Error).message}`);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const path = field.value.trim().replace(/^\/+/, '');
    if (path !== '') void show(path);
  });
  // A file in Recent activity (deleted ones too) opens its history.
  byId('recent').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-history]');
    if (!button) return;
    field.value = button.dataset.history!;
    byId('history-card').scrollIntoView({ block: 'nearest' });
    void show(field.value);
  });
  const atButton = byId<HTMLButtonElement>('history-restore-at');
  atButton.addEventListener('click', () => {
    const path = field.value.trim().replace(/^\/+/, '');
    const at = Date.parse(byId<HTMLInputElement>('history-at').value); // local time
    if (path === '' || !Number.isFinite(at)) {
      onError('Restore as of a time: give a file or folder and a time');
      return;
    }
    void restore(atButton, { path, at });
  });
  // Relative times ("2 min ago") advance.
  setInterval(() => render(Date.now()), 30_000);
}
