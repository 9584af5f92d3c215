// Applies a simulated user's operation to a device's folder (on the simulation's in-memory
// file system) with synchronous calls, so it happens at one exact point of the run. An operation that does not fit the folder's
// current shape (a missing source, a file where a folder is needed) does nothing.

import { dirname, join } from 'node:path';
import { RESERVED_DIR } from '../shared/common/paths.js';
import { IGNORE_FILE } from '../shared/node/engine/ignore-rules.js';
import type { FileStats } from '../shared/node/fs/file-system.js';
import type { MemoryFileSystem } from '../shared/node/fs/memory-file-system.js';
import type { LocalOp } from './steps.js';
import { contentHashOfBytes } from './tree.js';

/** Deterministic bytes for (fill, size): distinct fills give distinct contents. */
export function contentOf(fill: number, size: number): Buffer {
  const bytes = Buffer.alloc(size, fill & 0xff);
  const tag = Buffer.from(`${fill}:${size};`);
  tag.copy(bytes, 0, 0, Math.min(tag.length, size));
  return bytes;
}

function statOf(fs: MemoryFileSystem, file: string): FileStats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined; // a file above it
    throw error;
  }
}

/** True when a sibling of `rel` has the same name in the other Unicode form (macOS refuses that). */
function formClash(fs: MemoryFileSystem, root: string, rel: string): boolean {
  const name = rel.split('/').at(-1)!;
  let siblings: string[];
  try {
    siblings = fs.readdirSync(dirname(join(root, rel)));
  } catch {
    return false;
  }
  return siblings.some((s) => s !== name && s.normalize('NFC') === name.normalize('NFC'));
}

/** Content hashes of every file at or under `file` (what removing it destroys). */
function contentsUnder(fs: MemoryFileSystem, file: string): string[] {
  const stat = statOf(fs, file);
  if (!stat) return [];
  if (stat.isFile()) return [contentHashOfBytes(fs.readFileSync(file))];
  if (!stat.isDirectory()) return [];
  return fs.readdirSync(file).flatMap((name) => contentsUnder(fs, join(file, name)));
}

/** True when every folder above `rel` is a folder or absent (so a file can go there). */
function parentsFree(fs: MemoryFileSystem, root: string, rel: string): boolean {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const stat = statOf(fs, join(root, ...parts.slice(0, i)));
    if (stat && !stat.isDirectory()) return false;
  }
  return true;
}

function writeFile(fs: MemoryFileSystem, root: string, rel: string, bytes: Buffer, atomic: boolean, mtimeMs: number): void {
  const file = join(root, rel);
  fs.mkdirSync(dirname(file), { recursive: true });
  if (atomic) {
    // An editor's save: a new file renamed over the old one (a new inode).
    const temp = join(dirname(file), `.~save-${Math.floor(mtimeMs)}`);
    fs.writeFileSync(temp, bytes);
    fs.utimesSync(temp, mtimeMs / 1000, mtimeMs / 1000);
    fs.renameSync(temp, file);
  } else {
    fs.writeFileSync(file, bytes);
    fs.utimesSync(file, mtimeMs / 1000, mtimeMs / 1000);
  }
}

/**
 * Runs `op` in `root` at simulated time `mtimeMs`; returns the content hashes it overwrote
 * or deleted (the user's own choice, so not a loss).
 */
export function applyLocalOp(fs: MemoryFileSystem, root: string, op: LocalOp, mtimeMs: number): string[] {
  if (op.op === 'ignore') {
    const file = join(root, IGNORE_FILE);
    const gone = contentsUnder(fs, file);
    fs.writeFileSync(file, op.patterns.map((p) => `${p}\n`).join(''));
    return gone;
  }
  if ('path' in op && op.path.split('/')[0] === RESERVED_DIR) return [];
  if ('path' in op && !parentsFree(fs, root, op.path)) return []; // a file where a folder should be
  const target = 'path' in op ? join(root, op.path) : '';
  const stat = 'path' in op ? statOf(fs, target) : undefined;
  const touch = (file: string) => fs.utimesSync(file, mtimeMs / 1000, mtimeMs / 1000);
  switch (op.op) {
    case 'write': {
      if ((stat && !stat.isFile()) || !parentsFree(fs, root, op.path) || formClash(fs, root, op.path)) return [];
      const gone = contentsUnder(fs, target);
      writeFile(fs, root, op.path, contentOf(op.fill, op.size), op.atomic, mtimeMs);
      return gone;
    }
    case 'append': {
      if (!stat?.isFile()) return [];
      const gone = contentsUnder(fs, target);
      fs.appendFileSync(target, contentOf(op.fill, op.size));
      touch(target);
      return gone;
    }
    case 'truncate': {
      if (!stat?.isFile() || stat.size <= op.size) return [];
      const gone = contentsUnder(fs, target);
      fs.truncateSync(target, op.size);
      touch(target);
      return gone;
    }
    case 'delete': {
      if (!stat) return [];
      const gone = contentsUnder(fs, target);
      fs.rmSync(target, { recursive: true, force: true });
      return gone;
    }
    case 'move': {
      const from = join(root, op.from);
      const to = join(root, op.to);
      if (!parentsFree(fs, root, op.from) || !statOf(fs, from) || statOf(fs, to) || op.to === op.from || op.to.startsWith(`${op.from}/`) || !parentsFree(fs, root, op.to) || formClash(fs, root, op.to)) return [];
      fs.mkdirSync(dirname(to), { recursive: true });
      fs.renameSync(from, to);
      return [];
    }
    case 'toFolder': {
      if (!stat?.isFile()) return [];
      const gone = contentsUnder(fs, target);
      fs.rmSync(target);
      writeFile(fs, root, `${op.path}/inside.txt`, contentOf(op.fill, 10), false, mtimeMs);
      return gone;
    }
    case 'toFile': {
      if (!stat?.isDirectory()) return [];
      const gone = contentsUnder(fs, target);
      fs.rmSync(target, { recursive: true });
      writeFile(fs, root, op.path, contentOf(op.fill, op.size), false, mtimeMs);
      return gone;
    }
  }
}
