// What must hold once a fuzz run has settled: every client folder equals the server's
// live tree (bytes hashed), every version a device saved is still somewhere (at a path,
// in a conflicted copy, or among the server's revisions), and no temp file is in sight.

import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalEntry } from '../../shared/common/protocol.js';
import { contentHash } from './operations.js';

export type Tree = Map<string, string>;

/** A version a device wrote that nothing on that device replaced afterwards. */
export interface Version {
  hash: string;
  dev: number;
  path: string;
  op: number;
}

/** The whole journal of the account, oldest first. */
export async function journal(serverUrl: string, token: string): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  let cursor = 0;
  for (;;) {
    const res = await fetch(`${serverUrl}/v1/list?cursor=${cursor}&limit=10000`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`list journal: HTTP ${res.status}`);
    const page = (await res.json()) as { entries: JournalEntry[]; cursor: number; hasMore: boolean };
    out.push(...page.entries);
    cursor = page.cursor;
    if (!page.hasMore) return out;
  }
}

/** The live tree the journal describes: each path's latest entry, deletions left out. */
export function liveTree(entries: JournalEntry[]): Tree {
  const latest = new Map<string, JournalEntry>();
  for (const e of entries) latest.set(e.path, e);
  const tree: Tree = new Map();
  for (const [path, e] of latest) if (!e.deleted && e.contentHash) tree.set(path, e.contentHash);
  return tree;
}

/** Every file of a client folder (not .hsync/) as path → content hash. */
export async function folderTree(root: string, under = '', tree: Tree = new Map()): Promise<Tree> {
  const entries = await readdir(join(root, under), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const rel = under ? `${under}/${e.name}` : e.name;
    if (rel === '.hsync') continue;
    if (e.isDirectory()) await folderTree(root, rel, tree);
    else tree.set(rel, contentHash(await readFile(join(root, rel)).catch(() => Buffer.alloc(0))));
  }
  return tree;
}

/** The differences between two trees, one line each (empty when equal). */
export function treeDiff(expected: Tree, actual: Tree, label: string): string[] {
  const out: string[] = [];
  for (const [path, hash] of expected) {
    const got = actual.get(path);
    if (got === undefined) out.push(`${label}: missing ${path}`);
    else if (got !== hash) out.push(`${label}: ${path} is ${got.slice(0, 12)}, server has ${hash.slice(0, 12)}`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) out.push(`${label}: extra ${path}`);
  return out;
}

/** Versions found nowhere: not in any revision of the journal, not in any client folder. */
export function lostVersions(versions: Version[], entries: JournalEntry[], folders: Tree[]): Version[] {
  const known = new Set<string>();
  for (const e of entries) if (e.contentHash) known.add(e.contentHash);
  for (const tree of folders) for (const hash of tree.values()) known.add(hash);
  return versions.filter((v) => !known.has(v.hash));
}

/** Paths that look like the engine's temp files (`.hsync/tmp/<hex>.part` leaking out). */
export function tempFiles(tree: Tree): string[] {
  return [...tree.keys()].filter((p) => /\.part$|(^|\/)\.hsync[^/]*\//.test(p));
}
