// A remote file arriving where this disk has a folder the plan did not count as one. The
// trees hold files only, so a folder there holds none this device syncs: it is empty, or it
// holds only what stays local (ignored files, links, names this disk reports). An empty
// folder is no name and makes way; any other keeps the name, and the file goes beside it as
// a conflicted copy, as when a synced folder stands there (docs/engine.md "Type changes").

import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { linkOnPath } from './inside-root.js';
import { lstatOrNull } from './local-files.js';

/**
 * 'keeps-name': a folder holding only unsynced things stands at `path`; the download goes
 * aside. 'free': nothing stands there (an empty folder was just removed), or what stands
 * there is left to the download's own checks (a file, a link, a folder whose synced files
 * this plan deletes first: the next round replans once they are gone).
 */
export async function folderInTheWay(root: string, path: string, local: ReadonlyMap<string, unknown>): Promise<'keeps-name' | 'free'> {
  if (linkOnPath(root, path, true) !== null) return 'free';
  const abs = join(root, path);
  if (!(await lstatOrNull(abs))?.isDirectory()) return 'free';
  try {
    await rmdir(abs); // only ever removes an empty folder
    return 'free';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') return 'free';
  }
  const inside = `${path}/`;
  for (const held of local.keys()) if (held.startsWith(inside)) return 'free';
  return 'keeps-name';
}
