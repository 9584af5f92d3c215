// Rules for the relative paths that name files in a namespace ("docs/a.txt").
// The server refuses any path that breaks them, and clients check every path that
// arrives from the server again before touching the disk: a path is never trusted twice.

/** A validated, NFC-normalised, '/'-separated path relative to the sync root. */
export type SyncPath = string & { readonly __brand: 'SyncPath' };

/** The folder in every sync root that holds the engine's marker and temp files. */
export const RESERVED_DIR = '.hsync';
export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

// C0 controls and DEL: invisible, and some terminals or file systems act on them.
const CONTROL = /[\u0000-\u001f\u007f]/;
// A lone UTF-16 surrogate has no UTF-8 form: no file system can hold the name.
const LONE_SURROGATE = /\p{Surrogate}/u;
// Bidi embeddings, overrides and isolates reorder what follows them on screen:
// "invoice\u202Etxt.exe" shows as "invoiceexe.txt". A name must read as what it is.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * True for a name that is the reserved folder on some file system: any letter case (a
 * case-insensitive disk) and any trailing dots or spaces (Windows drops them).
 */
export function isReservedName(name: string): boolean {
  return name.replace(/[. ]+$/, '').toLowerCase() === RESERVED_DIR;
}

/**
 * Why `raw` is not an acceptable sync path, or null when it is. The check runs on the
 * NFC form, which is the one stored: two spellings of one name are one file.
 */
export function pathProblem(raw: unknown): string | null {
  if (typeof raw !== 'string') return 'not a string';
  if (raw.length === 0) return 'empty path';
  const path = raw.normalize('NFC');
  const control = CONTROL.exec(path);
  if (control) return `control character ${codePoint(control[0])} at position ${control.index}`;
  if (LONE_SURROGATE.test(path)) return 'unpaired UTF-16 surrogate';
  const bidi = BIDI_CONTROL.exec(path);
  if (bidi) return `bidirectional control ${codePoint(bidi[0])} at position ${bidi.index}, which makes a name display as another`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.startsWith('\\')) return 'absolute path';
  // A separator on Windows: "a\b" would be a folder there and a file here.
  const backslash = path.indexOf('\\');
  if (backslash >= 0) return `backslash at position ${backslash}`;
  if (utf8Length(path) > MAX_PATH_BYTES) return `path longer than ${MAX_PATH_BYTES} bytes`;
  for (const name of path.split('/')) {
    if (name === '') return 'empty path segment';
    if (name === '.' || name === '..') return `"${name}" segment`;
    if (isReservedName(name)) return `reserved name "${RESERVED_DIR}"`;
    if (utf8Length(name) > MAX_NAME_BYTES) return `name longer than ${MAX_NAME_BYTES} bytes`;
  }
  return null;
}

/** "U+202E" for a character of the Basic Multilingual Plane. */
function codePoint(char: string): string {
  return `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The NFC form of `raw` as a SyncPath; throws a RangeError naming the problem otherwise. */
export function toSyncPath(raw: unknown): SyncPath {
  const problem = pathProblem(raw);
  if (problem) throw new RangeError(`invalid path ${JSON.stringify(raw)}: ${problem}`);
  return (raw as string).normalize('NFC') as SyncPath;
}

/** Parent folder of a path, '' for a top-level entry. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Last segment of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** UTF-8 byte length of a string, without TextEncoder (not in every runtime's types). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
