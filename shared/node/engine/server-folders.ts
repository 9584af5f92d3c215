// The server's folder tree as this device last pulled it, one level at a time, for the
// selective-sync tree in Preferences. The server knows files, not folders: a folder is a
// name that some live file's path passes through. Live files are the remote tree's live
// entries and the base entries it does not override (docs/engine.md "Three trees").

import type { ServerFolder } from '../../common/sync-api.js';
import type { ExcludedFolders } from './selective-sync.js';
import type { BaseTree, RemoteTree } from './types.js';

export function listServerFolders(parent: string, base: BaseTree, remote: RemoteTree, excluded: ExcludedFolders): ServerFolder[] {
  const prefix = parent === '' ? '' : `${parent}/`;
  /** Child folder name → whether it holds folders of its own. */
  const children = new Map<string, boolean>();
  const add = (path: string) => {
    if (!path.startsWith(prefix)) return;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) return; // a file directly in `parent`
    const name = rest.slice(0, slash);
    children.set(name, children.get(name) === true || rest.indexOf('/', slash + 1) > 0);
  };
  for (const [path, entry] of remote) if (!entry.deleted) add(path);
  for (const path of base.keys()) if (!remote.has(path)) add(path);
  // An excluded (or taken-back) folder the server no longer has stays listed, so it can be changed.
  for (const folder of [...excluded.list, ...excluded.included]) {
    if (isChild(folder, prefix) && !children.has(folder.slice(prefix.length))) children.set(folder.slice(prefix.length), false);
  }
  return [...children]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, hasFolders]) => {
      const path = prefix + name;
      return { path, name, excluded: excluded.folderOf(`${path}/`) !== null, hasFolders };
    });
}

function isChild(folder: string, prefix: string): boolean {
  return folder.startsWith(prefix) && !folder.slice(prefix.length).includes('/');
}
