// The conflicted copies in a synced folder, for the status window's Conflicts view, and the
// one-click resolutions: keep the original (the copy goes), keep the copy (it takes the
// original's name), or keep both (the copy gets a plain name, "report (2).docx"). A
// resolution only touches files that still hold exactly the synced bytes, so the version
// that goes is the server's latest revision of its path and `hsync history` / restore can
// bring it back (docs/engine.md, "Conflicts").

import { join } from 'node:path';
import { SyncError } from '../../common/errors.js';
import type { ConflictCopy, ConflictKeep } from '../../common/sync-api.js';
import type { FileSystem } from '../fs/file-system.js';
import { splitExtension } from './conflict-name.js';
import { hashSnapshot } from './hash-snapshot.js';
import { refuseLinkedPath } from './inside-root.js';
import type { BaseEntry } from './types.js';

/** The most the view lists; a folder with more has a bigger problem than a list can show. */
export const MAX_CONFLICTS_LISTED = 200;

const TAG = / \((.+)'s conflicted copy (\d{4}-\d{2}-\d{2})(?: \d+)?\)/;

/** The original's path and the copy's device for a conflict copy's path, or null. */
export function parseConflictCopy(path: string): { original: string; device: string } | null {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  const match = TAG.exec(name);
  if (!match) return null;
  const original = name.slice(0, match.index) + name.slice(match.index + match[0].length);
  if (original === '' || original.startsWith('.') !== name.startsWith('.')) return null;
  return { original: path.slice(0, slash + 1) + original, device: match[1] };
}

/** Every synced conflict copy, with both versions as this device last synced them. */
export function listConflicts(base: ReadonlyMap<string, BaseEntry>): ConflictCopy[] {
  const out: ConflictCopy[] = [];
  for (const entry of base.values()) {
    const parsed = parseConflictCopy(entry.path);
    if (!parsed) continue;
    const original = base.get(parsed.original);
    out.push({
      path: entry.path,
      original: parsed.original,
      device: parsed.device,
      copy: { size: entry.size, mtime: entry.remoteMtime || entry.mtime },
      current: original ? { size: original.size, mtime: original.remoteMtime || original.mtime } : null,
    });
    if (out.length >= MAX_CONFLICTS_LISTED) break;
  }
  return out.sort((a, b) => b.copy.mtime - a.copy.mtime || a.path.localeCompare(b.path));
}

/** Carries out one resolution on disk; the next cycle syncs it like any local change. */
export async function resolveConflict(fs: FileSystem, root: string, base: ReadonlyMap<string, BaseEntry>, copyPath: string, keep: ConflictKeep): Promise<void> {
  const what = `resolve conflict "${copyPath}"`;
  const parsed = parseConflictCopy(copyPath);
  const copy = base.get(copyPath);
  if (!parsed || !copy) throw new SyncError('not_found', `${what}: no synced conflicted copy by that name`);
  await unchanged(fs, root, copy, what);
  refuseLinkedPath(fs, root, copyPath, what, true);
  if (keep === 'original') {
    await fs.unlink(join(root, copyPath));
    return;
  }
  if (keep === 'copy') {
    const original = base.get(parsed.original);
    if (original) await unchanged(fs, root, original, what);
    else if (await exists(fs, join(root, parsed.original))) throw new SyncError('conflict', `${what}: "${parsed.original}" has changes not synced yet; sync first`);
    await fs.rename(join(root, copyPath), join(root, parsed.original));
    return;
  }
  const slash = parsed.original.lastIndexOf('/');
  const { stem, ext } = splitExtension(parsed.original.slice(slash + 1));
  for (let n = 2; n < 1000; n++) {
    const plain = `${parsed.original.slice(0, slash + 1)}${stem} (${n})${ext}`;
    if (base.has(plain) || (await exists(fs, join(root, plain)))) continue;
    await fs.rename(join(root, copyPath), join(root, plain));
    return;
  }
  throw new SyncError('conflict', `${what}: no free name beside "${parsed.original}"`);
}

/** Refuses a file whose bytes are not the synced ones: they would exist nowhere else. */
async function unchanged(fs: FileSystem, root: string, entry: BaseEntry, what: string): Promise<void> {
  let hashes;
  try {
    refuseLinkedPath(fs, root, entry.path, what, true);
    hashes = await hashSnapshot(fs, join(root, entry.path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SyncError('not_found', `${what}: "${entry.path}" is gone`);
    throw error;
  }
  if (hashes?.contentHash !== entry.contentHash) throw new SyncError('conflict', `${what}: "${entry.path}" has changes not synced yet; sync first`);
}

const exists = (fs: FileSystem, path: string) => fs.stat(path).then(() => true, () => false);
