// The "Ignored files" card: on request, the paths this device's ignore rules keep out of sync
// (SyncApi listIgnored), folders once. Loaded only when asked: it walks the folder.

import type { IgnoredList, SyncApi } from '../../shared/common/sync-api.js';
import { byId, el, replaceRows } from './dom.js';

export function setupIgnored(api: SyncApi, onError: (message: string) => void): void {
  const button = byId<HTMLButtonElement>('show-ignored');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      render(await api.listIgnored());
    } catch (e) {
      onError(`Ignored files: ${(e as Error).message}`);
    } finally {
      button.disabled = false;
    }
  });
}

function render(list: IgnoredList): void {
  const count = `${list.paths.length}${list.truncated ? '+' : ''}`;
  byId('ignored-summary').textContent = list.paths.length === 0 ? 'Nothing is ignored.' : `${count} ignored ${list.paths.length === 1 ? 'path' : 'paths'} (never synced from this device, never deleted):`;
  replaceRows(byId('ignored'), JSON.stringify(list), () =>
    list.paths.map((p) => {
      const li = el('li', 'row');
      li.append(el('span', 'path', p.dir ? `${p.path}/` : p.path), el('span', 'muted small', p.by === 'user' ? '.hsyncignore' : 'built-in rule'));
      return li;
    }),
  );
}
