// Sync paths are NFC (shared/common/paths.ts), and a disk that keeps names byte for byte
// (ext4, NTFS) may hold one written in NFD (as macOS tools write them): "café" in two
// spellings that look the same. The scan gives such a name its NFC form on disk, so the file
// syncs under the one name every device uses and comes back without a duplicate; a name whose
// NFC twin already sits beside it is left alone and reported (docs/engine.md "Names").

import { join } from 'node:path';
import type { FileSystem } from '../fs/file-system.js';

export type NfcOutcome =
  /** The first non-NFC segment of the path was renamed; `to` is the path up to it, renamed. */
  | { kind: 'renamed'; to: string; whole: boolean }
  /** Its NFC twin exists beside it: both stay, the non-NFC one is reported. */
  | { kind: 'twin'; reason: string }
  | { kind: 'gone' };

/** Renames the first segment of `path` (relative, not in NFC) to its NFC form. */
export function renameToNfc(fs: FileSystem, root: string, path: string): NfcOutcome {
  const segments = path.split('/');
  const at = segments.findIndex((s) => s !== s.normalize('NFC'));
  const prefix = segments.slice(0, at).join('/');
  const from = (prefix ? prefix + '/' : '') + segments[at];
  const to = (prefix ? prefix + '/' : '') + segments[at].normalize('NFC');
  if (fs.lstatSync(join(root, to))) {
    return { kind: 'twin', reason: `"${segments[at]}" is also here in NFC form, another spelling of the same name: rename one` };
  }
  try {
    fs.renameSync(join(root, from), join(root, to));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
  return { kind: 'renamed', to, whole: at === segments.length - 1 };
}
