// A remote file arriving where this disk has a folder the plan did not count as one. The
// trees hold files only, so a folder there holds none this device syncs: it is empty, or it
// holds only what stays local (ignored files, links, names this disk reports). A folder
// with no file at any depth is no name and makes way; any other keeps the name, and the
// file goes beside it as a conflicted copy, as when a synced folder stands there
// (docs/engine.md "Type changes").

import { join } from 'node:path';
import type { EngineDisk } from './engine-disk.js';
import { linkOnPath } from './inside-root.js';
import { lstatOrNull, removeEmptyFolder } from './local-files.js';

/**
 * 'keeps-name': a folder holding only unsynced things stands at `path`; the download goes
 * aside. 'free': nothing stands there (an empty folder was just removed), or what stands
 * there is left to the download's own checks (a file, a link, a folder whose synced files
 * this plan deletes first: the next round replans once they are gone).
 */
export async function folderInTheWay({ fs, folders }: EngineDisk, root: string, path: string, local: ReadonlyMap<string, unknown>): Promise<'keeps-name' | 'free'> {
  if (linkOnPath(fs, root, path, true) !== null) return 'free';
  const abs = join(root, path);
  if (!(await lstatOrNull(fs, abs))?.isDirectory()) return 'free';
  if (await removeEmptyFolder(fs, abs)) {
    folders.forget(); // the download may make folders under this name again
    return 'free';
  }
  const inside = `${path}/`;
  for (const held of local.keys()) if (held.startsWith(inside)) return 'free';
  return 'keeps-name';
}
