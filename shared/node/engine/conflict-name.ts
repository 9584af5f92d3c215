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
  const who = cutToBytes(device.replace(/[\u0000-\u001f\u007f/\\]/g, '_'), MAX_DEVICE_BYTES) || 'device';
  return taggedPath(path, (n) => ` (${who}'s conflicted copy ${conflictDate(at)}${n > 1 ? ` ${n}` : ''})`, taken);
}

/**
 * The name a file gets on a case-insensitive disk when another differing only in letter case
 * holds its name, as Dropbox does: `a (Case Conflict).txt`, then `a (Case Conflict 2).txt`.
 */
export function caseConflictPath(path: string, taken: (candidate: string) => boolean): string {
  return taggedPath(path, (n) => ` (Case Conflict${n > 1 ? ` ${n}` : ''})`, taken);
}

/**
 * The name an NFD-spelled file or folder gets when its NFC twin holds the name sync paths
 * use (nfc-names.ts): `café (Unicode Conflict).txt`, then `café (Unicode Conflict 2).txt`.
 */
export function unicodeConflictPath(path: string, taken: (candidate: string) => boolean): string {
  return taggedPath(path, (n) => ` (Unicode Conflict${n > 1 ? ` ${n}` : ''})`, taken);
}

/** `path` with the n-th tag before its extension, first one free, within MAX_NAME_BYTES. */
function taggedPath(path: string, tagFor: (n: number) => string, taken: (candidate: string) => boolean): string {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const split = splitExtension(name);
  // A long "extension" is no extension: keeping it whole could leave no room for the tag.
  const { stem, ext } = utf8Length(split.ext) > MAX_EXT_BYTES ? { stem: name, ext: '' } : split;
  for (let n = 1; ; n++) {
    const tag = tagFor(n);
    const candidate = dir + cutToBytes(stem, MAX_NAME_BYTES - utf8Length(tag + ext)) + tag + ext;
    if (!taken(candidate)) return candidate;
  }
}

/** Extensions kept whole in a copy's name; longer ones are cut with the rest of the name. */
const MAX_EXT_BYTES = 32;
/** The device part of a copy's name; with the tag and extension it leaves most of a name for the stem. */
const MAX_DEVICE_BYTES = 64;

/** The longest prefix of `text` within `max` UTF-8 bytes, never splitting a character (at least one kept). */
function cutToBytes(text: string, max: number): string {
  let out = '';
  for (const char of text) {
    if (out !== '' && utf8Length(out + char) > max) break;
    out += char;
  }
  return out;
}

/** True for a name this module produced: such files are never conflicted into new copies. */
export function isConflictCopy(path: string): boolean {
  return /'s conflicted copy \d{4}-\d{2}-\d{2}( \d+)?\)| \(Case Conflict( \d+)?\)/.test(path);
}
