// Sync paths are NFC (shared/common/paths.ts), and a disk that keeps names byte for byte
// (ext4, NTFS) may hold one written in NFD (as macOS tools write them): "café" in two
// spellings that look the same. The scan gives such a name its NFC form on disk, so the file
// syncs under the one name every device uses and comes back without a duplicate; a name whose
// NFC twin already sits beside it takes a "(Unicode Conflict)" name, as Dropbox names case
// conflicts, so both sync and neither is lost (docs/engine.md "Names").

import { join } from 'node:path';
import type { FileSystem } from '../fs/file-system.js';
import { unicodeConflictPath } from './conflict-name.js';

export type NfcOutcome =
  /** The first non-NFC segment of the path was renamed; `to` is the path up to it, renamed. */
  | { kind: 'renamed'; to: string; whole: boolean }
  | { kind: 'gone' };

/** Renames the first segment of `path` (relative, not in NFC) to its NFC form. */
export function renameToNfc(fs: FileSystem, root: string, path: string): NfcOutcome {
  const segments = path.split('/');
  const at = segments.findIndex((s) => s !== s.normalize('NFC'));
  const prefix = segments.slice(0, at).join('/');
  const from = (prefix ? prefix + '/' : '') + segments[at];
  const to = (prefix ? prefix + '/' : '') + segments[at].normalize('NFC');
  // Its NFC twin holds the name: this one takes a conflict name, in NFC, beside it.
  const target = fs.lstatSync(join(root, to)) ? unicodeConflictPath(to, (candidate) => fs.lstatSync(join(root, candidate)) !== undefined) : to;
  try {
    fs.renameSync(join(root, from), join(root, target));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
  return { kind: 'renamed', to: target, whole: at === segments.length - 1 };
}
