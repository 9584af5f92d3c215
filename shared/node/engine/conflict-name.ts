// Dropbox-style conflict copy names: `report (laptop's conflicted copy 2026-11-25).docx`,
// uniquified with a counter when that name is taken. Pure: the caller says what is taken.

import { MAX_NAME_BYTES, utf8Length } from '../../common/paths.js';

/** Splits a file name into stem and extension; a leading dot is part of the stem (".bashrc"). */
export function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext: name.slice(dot) };
}

/** YYYY-MM-DD of `at` in UTC, so every device names a conflict of one moment alike. */
export function conflictDate(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/**
 * The conflict copy path for `path`, first one for which `taken` is false.
 * Device names lose characters a path may not hold ('/', controls); long stems are cut so
 * the name stays within MAX_NAME_BYTES.
 */
export function conflictCopyPath(path: string, device: string, at: number, taken: (candidate: string) => boolean): string {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash + 1);
  const { stem, ext } = splitExtension(path.slice(slash + 1));
  const who = device.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 64) || 'device';
  for (let n = 1; ; n++) {
    const tag = ` (${who}'s conflicted copy ${conflictDate(at)}${n > 1 ? ` ${n}` : ''})`;
    let cut = stem;
    while (cut.length > 1 && utf8Length(cut + tag + ext) > MAX_NAME_BYTES) cut = [...cut].slice(0, -1).join('');
    const candidate = dir + cut + tag + ext;
    if (!taken(candidate)) return candidate;
  }
}

/** True for a name this module produced: such files are never conflicted into new copies. */
export function isConflictCopy(path: string): boolean {
  return /'s conflicted copy \d{4}-\d{2}-\d{2}( \d+)?\)/.test(path);
}
