// The server's journal is input like any other: every field of every entry is checked on
// arrival, before it reaches the index, a plan or a file name. A bad entry is refused and
// reported for its path; a page that is not one, or a cursor that does not move, is an error
// for the whole pull (docs/protocol.md "GET /v1/list", docs/engine.md "Journal entries").

import { BLOCK_SIZE, isBlockHash, type BlockHash } from '../../common/blocks.js';
import { SyncError } from '../../common/errors.js';
import { pathProblem } from '../../common/paths.js';
import type { JournalEntry, ListResponse } from '../../common/protocol.js';
import { contentHashOf } from '../blocks/content-hash.js';

/** mtimes are clamped to [0, this]: 2100-01-01, which every file system (FAT too) can hold. */
export const MAX_MTIME_MS = Date.UTC(2100, 0, 1);
/** Longest fileId or device name taken from the server (the server makes far shorter ones). */
const MAX_ID_LENGTH = 256;

/** An entry refused on arrival: the path it named (or a stand-in) and why. */
export interface RefusedEntry {
  path: string;
  /** invalid_path for a path no device may use, bad_request for any other bad field. */
  code: 'invalid_path' | 'bad_request';
  reason: string;
}

export interface CheckedPage extends ListResponse {
  refused: RefusedEntry[];
}

/**
 * Checks one answer of GET /v1/list asked from `from`: its shape and progress (throws a
 * SyncError naming the problem), then each entry (bad ones moved to `refused`).
 */
export function checkListPage(raw: unknown, from: number): CheckedPage {
  const page = raw as Partial<ListResponse> | null;
  const fail = (reason: string) => new SyncError('bad_request', `list journal from ${from}: ${reason}`);
  if (typeof page !== 'object' || page === null || !Array.isArray(page.entries)) throw fail('the answer is not a journal page');
  if (typeof page.hasMore !== 'boolean') throw fail('"hasMore" is not a boolean');
  if (!Number.isSafeInteger(page.cursor) || page.cursor! < from) throw fail(`cursor ${JSON.stringify(page.cursor)} is not an integer at or after ${from}`);
  if (page.hasMore && page.cursor === from) throw fail(`the cursor did not advance (still ${from}) while "hasMore" says more follow`);
  const cursor = page.cursor!;
  const entries: JournalEntry[] = [];
  const refused: RefusedEntry[] = [];
  let last = from;
  for (const item of page.entries as unknown[]) {
    const path = (item as { path?: unknown } | null)?.path;
    const bad = pathProblemOf(path);
    const problem = bad ?? entryProblem(item, last, cursor);
    if (problem) {
      const shown = typeof path === 'string' ? path : `journal entry after ${last}`;
      refused.push({ path: shown, code: bad ? 'invalid_path' : 'bad_request', reason: problem });
    } else {
      const entry = item as JournalEntry;
      last = entry.id;
      entries.push({ ...entry, mtime: Math.min(Math.max(entry.mtime, 0), MAX_MTIME_MS) });
    }
  }
  return { entries, cursor, hasMore: page.hasMore, refused };
}

/**
 * Why `raw` is not a usable journal entry between ids `after` (exclusive) and `upTo`
 * (inclusive), or null. mtime need only be finite: it is clamped, not refused.
 */
export function entryProblem(raw: unknown, after: number, upTo: number): string | null {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const e = raw as Record<keyof JournalEntry, unknown>;
  const path = pathProblemOf(e.path);
  if (path) return path;
  if (!Number.isSafeInteger(e.id) || (e.id as number) <= after || (e.id as number) > upTo) return `id ${JSON.stringify(e.id)} is not an integer in (${after}, ${upTo}]`;
  if (!Number.isSafeInteger(e.rev) || (e.rev as number) < 1) return `rev ${JSON.stringify(e.rev)} is not a positive integer`;
  if (!isShortString(e.fileId)) return 'fileId is not a short non-empty string';
  if (!isShortString(e.device)) return 'device is not a short non-empty string';
  if (typeof e.deleted !== 'boolean') return '"deleted" is not a boolean';
  if (typeof e.mtime !== 'number' || !Number.isFinite(e.mtime)) return `mtime ${JSON.stringify(e.mtime)} is not a finite number`;
  if (typeof e.committedAt !== 'number' || !Number.isFinite(e.committedAt)) return 'committedAt is not a finite number';
  if (e.deleted) return null; // a deletion names no content
  return contentProblem(e.size, e.blocks, e.contentHash);
}

/** Why size, block list and content hash do not describe one file, or null. */
export function contentProblem(size: unknown, blocks: unknown, contentHash: unknown): string | null {
  if (!Number.isSafeInteger(size) || (size as number) < 0) return `size ${JSON.stringify(size)} is not a byte count`;
  if (!Array.isArray(blocks)) return 'blocks is not a list';
  const bad = blocks.findIndex((hash) => !isBlockHash(hash));
  if (bad >= 0) return `block ${bad} is not a 64-digit lowercase hex hash`;
  // Every block but the last is BLOCK_SIZE long: the size fixes the count, and the sum of the
  // block sizes is the size exactly when it does.
  const count = Math.ceil((size as number) / BLOCK_SIZE);
  if (blocks.length !== count) return `size ${size as number} needs ${count} block(s), the entry lists ${blocks.length}`;
  if (!isBlockHash(contentHash)) return 'contentHash is not a 64-digit lowercase hex hash';
  if (contentHashOf(blocks as BlockHash[]) !== (contentHash as string)) return 'contentHash does not match its blocks';
  return null;
}

/** The path rules (shared/common/paths.ts), and the NFC form the server stores. */
function pathProblemOf(path: unknown): string | null {
  const problem = pathProblem(path);
  if (problem) return problem;
  return path === (path as string).normalize('NFC') ? null : 'not in Unicode NFC form';
}

function isShortString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}
