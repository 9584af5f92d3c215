// Selective sync in Preferences: the server's folders as a tree of checkboxes, checked for
// "sync on this device". The top level loads when Preferences opens, deeper levels when a
// folder is opened. Unchecking a folder covers everything under it (its subfolders show
// unchecked); checking a subfolder of an unchecked one takes that subfolder back alone, as
// Dropbox does: the parent stays excluded but for it. Both lists are saved with the rest of
// Preferences (SyncApi setExcludedFolders; docs/engine.md "Selective sync").

import type { ServerFolder, SyncApi } from '../../shared/common/sync-api.js';
import { byId, el } from './dom.js';

export interface FolderSelection {
  excluded: string[];
  /** Folders inside excluded ones that sync all the same. */
  included: string[];
}

export interface FolderTree {
  /** Loads the selection and the top level afresh (Preferences opened). */
  load(): Promise<void>;
  /** The selection as the boxes say now, or null when the user changed nothing. */
  changed(): FolderSelection | null;
}

export function setupFolderTree(api: SyncApi): FolderTree {
  const root = byId('pref-folders');
  const note = byId('pref-folders-note');
  let saved: FolderSelection = { excluded: [], included: [] };
  let excluded = new Set<string>();
  let included = new Set<string>();

  /** Whether `path` syncs: the deepest excluded or taken-back folder at or above it decides. */
  const syncs = (path: string): boolean => {
    for (let at = path; ; at = at.slice(0, at.lastIndexOf('/'))) {
      if (excluded.has(at)) return false;
      if (included.has(at)) return true;
      if (!at.includes('/')) return true;
    }
  };
  const parentSyncs = (path: string) => !path.includes('/') || syncs(path.slice(0, path.lastIndexOf('/')));

  /** Every box shows what the working lists say. */
  const refresh = () => {
    for (const box of root.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')) box.checked = syncs(box.dataset.path!);
  };

  const toggle = (path: string, checked: boolean) => {
    // What was decided inside the folder goes: its box now decides for all of it.
    for (const set of [excluded, included]) for (const other of [...set]) if (other === path || other.startsWith(`${path}/`)) set.delete(other);
    if (checked !== parentSyncs(path)) (checked ? included : excluded).add(path);
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
        saved = { excluded: await api.getExcludedFolders(), included: (await api.getStatus()).includedFolders };
        excluded = new Set(saved.excluded);
        included = new Set(saved.included);
        const top = await api.listServerFolders('');
        root.append(...top.map(row));
        refresh();
        showNote(top.length === 0 ? 'The server has no folders yet.' : 'Unchecked folders stay on the server and your other devices, and leave this one.');
      } catch (e) {
        showNote(`Could not list the server’s folders: ${(e as Error).message}`);
      }
    },
    changed() {
      const now = { excluded: [...excluded].sort(), included: [...included].sort() };
      return same(now.excluded, saved.excluded) && same(now.included, saved.included) ? null : now;
    },
  };
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((path, i) => path === b[i]);
}
