// Selective sync in Preferences: the server's folders as a tree of checkboxes, checked for
// "sync on this device". The top level loads when Preferences opens, deeper levels when a
// folder is opened. Unchecking a folder covers everything under it (its subfolders show
// unchecked and cannot be checked alone); the list is saved with the rest of Preferences
// (SyncApi setExcludedFolders; docs/engine.md "Selective sync").

import type { ServerFolder, SyncApi } from '../../shared/common/sync-api.js';
import { byId, el } from './dom.js';

export interface FolderTree {
  /** Loads the excluded list and the top level afresh (Preferences opened). */
  load(): Promise<void>;
  /** The excluded folders as the boxes say now, or null when the user changed nothing. */
  changed(): string[] | null;
}

export function setupFolderTree(api: SyncApi): FolderTree {
  const root = byId('pref-folders');
  const note = byId('pref-folders-note');
  let saved: string[] = [];
  let excluded = new Set<string>();

  /** The excluded folder that covers `path` (itself or one above it), or null. */
  const coveredBy = (path: string): string | null => {
    for (let at = path; ; at = at.slice(0, at.lastIndexOf('/'))) {
      if (excluded.has(at)) return at;
      if (!at.includes('/')) return null;
    }
  };

  /** Every box shows what the working list says: unchecked when covered, locked under an unchecked parent. */
  const refresh = () => {
    for (const box of root.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')) {
      const path = box.dataset.path!;
      const cover = coveredBy(path);
      box.checked = cover === null;
      box.disabled = cover !== null && cover !== path;
    }
  };

  const toggle = (path: string, checked: boolean) => {
    if (checked) excluded.delete(path);
    else {
      for (const other of [...excluded]) if (other.startsWith(`${path}/`)) excluded.delete(other);
      excluded.add(path);
    }
    refresh();
  };

  const row = (folder: ServerFolder): HTMLLIElement => {
    const li = el('li', 'tree-item');
    li.setAttribute('role', 'treeitem');
    const label = el('label', 'check');
    const box = el('input', '');
    box.type = 'checkbox';
    box.dataset.path = folder.path;
    box.addEventListener('change', () => toggle(folder.path, box.checked));
    label.append(box, el('span', 'path', folder.name));
    const line = el('div', 'tree-line');
    if (folder.hasFolders) {
      const opener = el('button', 'ghost twisty', '▸');
      opener.type = 'button';
      opener.setAttribute('aria-label', `Show folders in ${folder.name}`);
      li.setAttribute('aria-expanded', 'false');
      let children: HTMLUListElement | null = null;
      opener.addEventListener('click', async () => {
        if (children) {
          children.hidden = !children.hidden;
        } else {
          opener.disabled = true;
          children = el('ul', 'tree');
          children.setAttribute('role', 'group');
          try {
            children.append(...(await api.listServerFolders(folder.path)).map(row));
            li.append(children);
            refresh();
          } catch (e) {
            children = null;
            showNote(`Could not list the folders in ${folder.name}: ${(e as Error).message}`);
          } finally {
            opener.disabled = false;
          }
        }
        const open = children !== null && !children.hidden;
        li.setAttribute('aria-expanded', String(open));
        opener.textContent = open ? '▾' : '▸';
      });
      line.append(opener);
    } else line.append(el('span', 'twisty'));
    line.append(label);
    li.append(line);
    return li;
  };

  function showNote(text: string): void {
    note.textContent = text;
  }

  return {
    async load() {
      root.replaceChildren();
      showNote('Loading the server’s folders…');
      try {
        saved = await api.getExcludedFolders();
        excluded = new Set(saved);
        const top = await api.listServerFolders('');
        root.append(...top.map(row));
        refresh();
        showNote(top.length === 0 ? 'The server has no folders yet.' : 'Unchecked folders stay on the server and your other devices, and leave this one.');
      } catch (e) {
        showNote(`Could not list the server’s folders: ${(e as Error).message}`);
      }
    },
    changed() {
      const now = [...excluded].sort();
      return now.length === saved.length && now.every((path, i) => path === saved[i]) ? null : now;
    },
  };
}
