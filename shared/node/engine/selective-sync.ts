// Selective sync: the folders this device does not sync (docs/engine.md "Selective sync").
// Which folders they are, and the folders inside them taken back (as Dropbox's selective
// sync: the parent stays excluded but for those), cleaned once on the way in; which
// excluded folder a path falls under; and the name a file made here inside one goes to
// instead of merging into the server's folder.

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

/** The folders this device leaves out, and those inside them it syncs after all. */
export interface FolderSelection {
  excluded: string[];
  included: string[];
}

/**
 * The selection as kept: clean, sorted, each once; an excluded folder inside another (with
 * no taken-back folder between) dropped, as the outer one covers it; a taken-back folder
 * kept only inside an excluded one (elsewhere it syncs anyway). A folder both excluded and
 * taken back is refused.
 */
export function cleanSelection(excluded: readonly string[], included: readonly string[] = []): FolderSelection {
  const out = new Set(excluded.map(cleanFolderPath));
  const back = new Set(included.map(cleanFolderPath));
  const both = [...back].find((path) => out.has(path));
  if (both !== undefined) throw new SyncError('bad_request', `selective sync: "${both}" is both excluded and taken back`);
  const kept = new FolderRules();
  // Sorted, a folder comes before everything inside it: each is decided against the rules above it.
  for (const path of [...out, ...back].sort()) {
    const covered = kept.coverOf(`${path}/`) !== null;
    if (out.has(path) ? !covered : covered) kept.add(path, out.has(path));
  }
  return { excluded: kept.excluded(), included: kept.included() };
}

/** The excluded folders as kept (cleanSelection with none taken back). */
export function cleanFolderList(raw: readonly string[]): string[] {
  return cleanSelection(raw).excluded;
}

/** Folder rules, the deepest deciding: excluded (true) or taken back (false). */
class FolderRules {
  private readonly rules = new Map<string, boolean>();

  add(path: string, excluded: boolean): void {
    this.rules.set(path, excluded);
  }

  excluded(): string[] {
    return [...this.rules].filter(([, out]) => out).map(([path]) => path);
  }

  included(): string[] {
    return [...this.rules].filter(([, out]) => !out).map(([path]) => path);
  }

  get size(): number {
    return this.rules.size;
  }

  /** The excluded folder whose rule decides `path`, or null when it syncs. */
  coverOf(path: string): string | null {
    let cover: string | null = null;
    for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
      const folder = path.slice(0, slash);
      const out = this.rules.get(folder);
      if (out !== undefined) cover = out ? folder : null;
    }
    return cover;
  }
}

export class ExcludedFolders {
  /** The excluded folders, sorted. */
  readonly list: readonly string[];
  /** The folders inside excluded ones that sync all the same, sorted. */
  readonly included: readonly string[];
  private readonly rules = new FolderRules();

  constructor(list: readonly string[], included: readonly string[] = []) {
    const clean = cleanSelection(list, included);
    this.list = clean.excluded;
    this.included = clean.included;
    for (const path of this.list) this.rules.add(path, true);
    for (const path of this.included) this.rules.add(path, false);
  }

  /**
   * The excluded folder that holds `path`, or null when it syncs: the deepest excluded or
   * taken-back folder above it decides. Only what is inside a folder is excluded: a file
   * with the folder's own name is not.
   */
  folderOf(path: string): string | null {
    return this.rules.size === 0 ? null : this.rules.coverOf(path);
  }

  /**
   * The selection after the command line's `--exclude-folder` and `--include-folder`:
   * excluding a folder drops what was taken back inside it; including an excluded folder
   * takes it back whole, and one inside an excluded folder is taken back alone.
   */
  change(exclude: readonly string[], include: readonly string[]): FolderSelection {
    const excluded = this.list.filter((path) => !include.includes(path));
    const inside = (path: string) => exclude.some((outer) => path === outer || path.startsWith(`${outer}/`));
    const included = this.included.filter((path) => !inside(path));
    const after = new ExcludedFolders(excluded, included);
    for (const path of include) if (after.folderOf(`${path}/`) !== null) included.push(path);
    return cleanSelection([...excluded, ...exclude], included);
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
