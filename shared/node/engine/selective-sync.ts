// Selective sync: the folders this device does not sync (docs/engine.md "Selective sync").
// Which folders they are, cleaned once on the way in; which folder a path falls under; and
// the name a file made here inside one goes to instead of merging into the server's folder.

import { SyncError } from '../../common/errors.js';
import { pathProblem } from '../../common/paths.js';

/** The tag of the folder a file made here inside an excluded folder moves to (Dropbox's name). */
const CONFLICT_TAG = 'selective sync conflict';

/**
 * The clean form of a folder path a person typed: '/'-separated, relative, NFC, no leading
 * './' or '/' and no trailing '/'. Throws a bad_request SyncError naming the problem.
 */
export function cleanFolderPath(raw: string): string {
  const path = raw
    .trim()
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '')
    .normalize('NFC');
  const problem = pathProblem(path);
  if (problem) throw new SyncError('bad_request', `exclude folder ${JSON.stringify(raw)}: ${problem} (give a path relative to the synced folder)`);
  return path;
}

/**
 * The excluded folders as kept: clean, sorted, each once, and a folder inside another
 * excluded one dropped (the outer one covers it).
 */
export function cleanFolderList(raw: readonly string[]): string[] {
  const sorted = [...new Set(raw.map(cleanFolderPath))].sort();
  return sorted.filter((path) => !sorted.some((outer) => path.startsWith(`${outer}/`)));
}

export class ExcludedFolders {
  readonly list: readonly string[];
  private readonly set: ReadonlySet<string>;

  constructor(list: readonly string[]) {
    this.list = cleanFolderList(list);
    this.set = new Set(this.list);
  }

  /**
   * The excluded folder that holds `path`, or null when it syncs. Only what is inside a
   * folder is excluded: a file with the folder's own name is not.
   */
  folderOf(path: string): string | null {
    if (this.set.size === 0) return null;
    for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
      if (this.set.has(path.slice(0, slash))) return path.slice(0, slash);
    }
    return null;
  }
}

/**
 * Where a file made here at `path`, inside the excluded `folder`, goes instead:
 * `big/new.txt` → `big (selective sync conflict)/new.txt`, then `… conflict 2)/…` when that
 * name is taken.
 */
export function selectiveSyncConflictPath(path: string, folder: string, taken: (candidate: string) => boolean): string {
  const rest = path.slice(folder.length);
  for (let n = 1; ; n++) {
    const candidate = `${folder} (${CONFLICT_TAG}${n > 1 ? ` ${n}` : ''})${rest}`;
    if (!taken(candidate)) return candidate;
  }
}
