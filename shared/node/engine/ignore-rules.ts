// Which local paths never sync: OS and editor junk, the engine's own folder, and the
// user's `.hsyncignore` (gitignore syntax). Patterns match a name in either Unicode form
// (macOS writes NFD, the rest of the world NFC).

import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { RESERVED_DIR } from '../../common/paths.js';
import type { FileSystem } from '../fs/file-system.js';

export const IGNORE_FILE = '.hsyncignore';

/** Lock files, swap files, backups and OS metadata that must never leave the machine. */
export const DEFAULT_IGNORES = [
  `${RESERVED_DIR}/`,
  // Ignore rules are local to each device (docs/engine.md "Ignore rules"): the rules file never syncs.
  `/${IGNORE_FILE}`,
  '~$*',
  '.~lock.*#',
  '*.tmp', // Office saves through ~WRL0001.tmp, ppt1234.tmp and the like (EDGE 14)
  '*.swp',
  '*.swx',
  '*~',
  '.DS_Store',
  'Thumbs.db',
  'desktop.ini',
  '4913', // vim's probe file when it checks a directory is writable
];

export interface IgnoreRules {
  /** True when `path` (relative, '/'-separated; a trailing '/' marks a directory) is ignored. */
  ignores(path: string): boolean;
  /** The user's patterns, for display. */
  readonly userPatterns: string[];
}

export function makeIgnoreRules(userText = ''): IgnoreRules {
  const userPatterns = userText
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const matcher: Ignore = ignore().add(DEFAULT_IGNORES);
  // Patterns go in both forms, so an NFD pattern catches an NFC name and the other way round.
  for (const pattern of userPatterns) matcher.add([pattern.normalize('NFC'), pattern.normalize('NFD')]);
  const cache = new Map<string, boolean>();
  const test = (path: string): boolean => {
    const hit = cache.get(path);
    if (hit !== undefined) return hit;
    // gitignore semantics: a path under an ignored folder is ignored too.
    const slash = path.lastIndexOf('/', path.endsWith('/') ? path.length - 2 : path.length);
    const parentIgnored = slash > 0 && test(path.slice(0, slash + 1));
    const result = parentIgnored || matcher.ignores(path.normalize('NFC')) || matcher.ignores(path.normalize('NFD'));
    if (cache.size > 50_000) cache.clear();
    cache.set(path, result);
    return result;
  };
  return { ignores: test, userPatterns };
}

/** Rules for a sync root: defaults plus its `.hsyncignore`, if any. */
export function loadIgnoreRules(fs: FileSystem, root: string): IgnoreRules {
  return makeIgnoreRules(readIgnoreText(fs, root));
}

/** The root's `.hsyncignore`, '' when there is none. */
export function readIgnoreText(fs: FileSystem, root: string): string {
  const file = join(root, IGNORE_FILE);
  if (!fs.existsSync(file)) return '';
  try {
    return fs.readFileSync(file).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return '';
  }
}
