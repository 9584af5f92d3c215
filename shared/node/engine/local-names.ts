// Names the server accepts but this device's file system cannot hold as they are
// (docs/engine.md "Names"): Windows' reserved names and characters and its trailing dots and
// spaces, and names that differ only in letter case on a case-insensitive disk. The rules
// take the platform and the disk's case behaviour as arguments, so every platform's rule is
// testable on any machine.

import type { FileSystem } from '../fs/file-system.js';
import { join } from 'node:path';
import { reservedDir } from './folder-guard.js';

// CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and the superscript digits Windows also reserves),
// with any extension and spaces before it: "nul.tar.gz" and "CON .txt" are the device too.
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]) *(\..*)?$/i;
const WINDOWS_CHARACTER = /[<>:"|?*]/;

/** Why `path` cannot be written as it is on `platform` (process.platform values), or null. */
export function localNameProblem(path: string, platform: string): string | null {
  if (platform !== 'win32') return null;
  for (const name of path.split('/')) {
    const bad = WINDOWS_CHARACTER.exec(name);
    if (bad) return `character "${bad[0]}" at position ${bad.index} of "${name}" is not allowed in a Windows name`;
    if (WINDOWS_RESERVED.test(name)) return `"${name}" is a reserved device name on Windows`;
    if (/[. ]$/.test(name)) return `"${name}" ends with a ${name.endsWith('.') ? 'dot' : 'space'}, which Windows drops`;
  }
  return null;
}

/**
 * Linux and macOS refuse a path of PATH_MAX (4,096) bytes or more; Node opens Windows paths
 * through the \\?\ prefix, good for 32,767 characters. Our own temp names are short and
 * sit near the root, so only the file's own full path can pass the limit.
 */
export function localPathProblem(absolute: string, platform: string): string | null {
  const limit = platform === 'win32' ? 32_767 : 4_095;
  const length = platform === 'win32' ? absolute.length : Buffer.byteLength(absolute);
  return length > limit ? `its full path here is ${length} ${platform === 'win32' ? 'characters' : 'bytes'}, over this system's limit of ${limit}` : null;
}

/** True when the root's disk finds a file under another letter case (NTFS, APFS, FAT by default). */
export function probeCaseInsensitive(fs: FileSystem, root: string): boolean {
  const probe = join(reservedDir(root), 'case-probe');
  fs.writeFileSync(probe, '');
  try {
    return fs.lstatSync(join(reservedDir(root), 'CASE-PROBE')) !== undefined;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

/** How an incoming path clashes with another that differs only in letter case. */
export interface CaseClash {
  /** 'file': the file lands as a "(Case Conflict)" copy; 'folder': a folder on its path clashes. */
  kind: 'file' | 'folder';
  /** The path (or folder) that keeps the name. */
  with: string;
}

/**
 * For a case-insensitive disk: the incoming paths that clash in letter case with a held path
 * or with another incoming one. Held paths keep their names; among new ones the first in
 * code-unit order does ("A.txt" before "a.txt"), so every device decides alike.
 */
export function caseClashes(incoming: readonly string[], held: Iterable<string>): Map<string, CaseClash> {
  const files = new Map<string, string>();
  const dirs = new Map<string, string>();
  const claim = (path: string) => {
    files.set(path.toLowerCase(), path);
    for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) dirs.set(path.slice(0, slash).toLowerCase(), path.slice(0, slash));
  };
  for (const path of held) claim(path);
  const clashes = new Map<string, CaseClash>();
  for (const path of [...incoming].sort()) {
    let clash: CaseClash | null = null;
    for (let slash = path.indexOf('/'); slash > 0 && !clash; slash = path.indexOf('/', slash + 1)) {
      const dir = path.slice(0, slash);
      const other = dirs.get(dir.toLowerCase()) ?? files.get(dir.toLowerCase());
      if (other !== undefined && other !== dir) clash = { kind: 'folder', with: other };
    }
    const other = files.get(path.toLowerCase()) ?? dirs.get(path.toLowerCase());
    if (!clash && other !== undefined && other !== path) clash = { kind: dirs.has(path.toLowerCase()) ? 'folder' : 'file', with: other };
    if (clash) clashes.set(path, clash);
    else claim(path);
  }
  return clashes;
}
