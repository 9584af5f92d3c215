// The paths of a synced folder that the ignore rules keep out of sync (`hsync status
// --ignored`, the status window): a walk of the disk that stops at each ignored entry, so an
// ignored folder is listed once and never walked into. Links are not followed. On request
// only: the engine's scan does not keep this list.

import { join } from 'node:path';
import type { DirEntry, FileSystem } from '../fs/file-system.js';
import { RESERVED_DIR } from '../../common/paths.js';
import type { IgnoredList, IgnoredPath } from '../../common/sync-api.js';
import { makeIgnoreRules, type IgnoreRules } from './ignore-rules.js';

/** At most this many paths are listed; the answer says when there were more. */
export const MAX_IGNORED_LISTED = 10_000;

export async function listIgnored(fs: FileSystem, root: string, rules: IgnoreRules, max = MAX_IGNORED_LISTED): Promise<IgnoredList> {
  const defaults = makeIgnoreRules('');
  const paths: IgnoredPath[] = [];
  let truncated = false;
  const walk = async (dir: string): Promise<void> => {
    let entries: DirEntry[];
    try {
      entries = await fs.readdirWithTypes(join(root, dir));
    } catch {
      return; // gone or unreadable: the scan reports what it cannot read
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (truncated) return;
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (path === RESERVED_DIR) continue; // the engine's own folder, not the user's
      const isDir = entry.isDirectory();
      const probe = isDir ? `${path}/` : path;
      if (rules.ignores(probe)) {
        if (paths.length >= max) truncated = true;
        else paths.push({ path, dir: isDir, by: defaults.ignores(probe) ? 'default' : 'user' });
      } else if (isDir) await walk(path);
    }
  };
  await walk('');
  return { paths, truncated };
}
