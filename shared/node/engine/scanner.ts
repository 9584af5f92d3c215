// Builds the local tree: a fast-glob walk (symlinks not followed, reported as skipped),
// stat-only for files whose size, mtime and inode match what we already know, hashing only
// the rest. A targeted scan refreshes just the paths the watcher hinted at.

import { join } from 'node:path';
import fg from 'fast-glob';
import { pathProblem, RESERVED_DIR } from '../../common/paths.js';
import type { EngineDisk } from './engine-disk.js';
import { hashSnapshot } from './hash-snapshot.js';
import { linkOnPath } from './inside-root.js';
import { renameToNfc } from './nfc-names.js';
import type { IgnoreRules } from './ignore-rules.js';
import type { BaseTree, LocalEntry } from './types.js';

/** The reason given for a symbolic link, which is never followed (linked-folders.ts reads it). */
export const SYMLINK_SKIP = 'symbolic link, not followed';

/** A path the scan did not take, and why (shown as a per-file problem). */
export interface Skipped {
  path: string;
  reason: string;
}

export interface ScanResult {
  skipped: Skipped[];
  /** Paths whose entry was (re)hashed in this scan. */
  hashed: number;
  /** Paths that changed while being hashed. */
  unstable: string[];
}

interface Stat {
  size: number;
  mtimeMs: number;
  ino: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

const HASH_CONCURRENCY = 2;

export class Scanner {
  /** Bumped whenever the ignore patterns change; see LocalEntry.checked. */
  private generation = 0;
  private patternsSeen: string | null = null;
  /** A full scan that trusts no stat is under way (fullScan's `rehash`). */
  private rehashing = false;

  constructor(
    private readonly disk: EngineDisk,
    private readonly root: string,
    private readonly rules: () => IgnoreRules,
    private readonly base: BaseTree,
  ) {}

  /**
   * The generation of the current rules: new patterns start a new one. Keyed on the patterns,
   * not the rules object, so the engine may swap in a fresh object (dropping its match cache)
   * without making every file look unchecked.
   */
  private rulesGeneration(): number {
    const patterns = this.rules().userPatterns.join('\n');
    if (patterns !== this.patternsSeen) {
      this.patternsSeen = patterns;
      this.generation++;
    }
    return this.generation;
  }

  /**
   * Replaces `tree` with the whole folder as it is now. With `rehash`, every file is hashed,
   * even one whose size, mtime and inode match what is known (after an unclean stop).
   */
  async fullScan(tree: Map<string, LocalEntry>, options: { rehash?: boolean } = {}): Promise<ScanResult> {
    this.disk.kept.drop();
    const seen = new Set<string>();
    this.rehashing = options.rehash === true;
    try {
      const result = await this.walk('', tree, seen);
      for (const path of tree.keys()) if (!seen.has(path)) tree.delete(path);
      return result;
    } finally {
      this.rehashing = false;
    }
  }

  /** Refreshes the entries at and under `paths` (relative), leaving the rest of `tree` alone. */
  async scanPaths(paths: Iterable<string>, tree: Map<string, LocalEntry>): Promise<ScanResult> {
    const total: ScanResult = { skipped: [], hashed: 0, unstable: [] };
    this.disk.kept.drop();
    this.rulesGeneration();
    const hints = collapse(paths);
    // Folders the tree knows, built once: a hint that names one must drop its children,
    // and looking them up per hint would make a burst of N new files cost N × tree size.
    const knownDirs = hints.length > 0 ? dirsOf(tree) : new Set<string>();
    const dropUnder = (dir: string) => {
      if (!knownDirs.has(dir)) return;
      for (const key of [...tree.keys()]) if (key.startsWith(dir + '/')) tree.delete(key);
    };
    const files: [string, Stat][] = [];
    let count = 0;
    for (const hint of hints) {
      let path = hint;
      if (path !== path.normalize('NFC')) {
        const nfc = this.toNfc(path);
        if (nfc === null) continue;
        path = nfc.path;
      }
      // Let the event loop (status requests, long-poll) in between every thousand stats.
      if (++count % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
      let stat: Stat | null = null;
      // Under a folder that is a link nothing is synced (the walk reports the link itself).
      if (linkOnPath(this.disk.fs, this.root, path) !== null) {
        tree.delete(path);
        dropUnder(path);
        continue;
      }
      try {
        // Synchronous, as in walk(), and no exception for a path that is gone: a burst of
        // 10,000 new files was 10,000 thread-pool round trips one after another here.
        stat = this.disk.fs.lstatSync(join(this.root, path)) ?? null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
      }
      if (stat?.isDirectory()) {
        const seen = new Set<string>();
        tree.delete(path);
        const result = await this.walk(path, tree, seen);
        if (knownDirs.has(path)) for (const key of [...tree.keys()]) if (key.startsWith(path + '/') && !seen.has(key)) tree.delete(key);
        total.skipped.push(...result.skipped);
        total.hashed += result.hashed;
        total.unstable.push(...result.unstable);
        continue;
      }
      tree.delete(path);
      dropUnder(path);
      if (!stat) continue;
      const problem = this.problem(path, stat);
      if (problem) {
        if (problem !== 'ignored') total.skipped.push({ path, reason: problem });
        continue;
      }
      files.push([path, stat]);
    }
    const result = await this.hashChanged(files, tree);
    total.hashed += result.hashed;
    total.unstable.push(...result.unstable);
    return total;
  }

  private async walk(under: string, tree: Map<string, LocalEntry>, seen: Set<string>): Promise<ScanResult> {
    // fast-glob lists names only; each file is then lstat'ed synchronously. On a warm cache
    // that takes a few microseconds, while fast-glob's own async stats (a thread-pool round
    // trip and a callback each) took about twice the CPU for 100,000 files. The stream still
    // yields to the event loop between directory reads. Each stat is cut down to three
    // numbers at once: holding 100,000 fs.Stats objects until the walk ends would cost more
    // memory than the whole index.
    const stream = fg.stream('**', {
      cwd: under ? join(this.root, under) : this.root,
      dot: true,
      onlyFiles: false,
      markDirectories: true,
      followSymbolicLinks: false,
      // A walk without symlinks never meets a path twice; fast-glob's duplicate check
      // would keep a set of every path in the folder.
      unique: false,
      ignore: under ? [] : [`${RESERVED_DIR}/**`],
      suppressErrors: true,
      fs: this.disk.fs.globAdapter as fg.Options['fs'],
    });
    const generation = this.rulesGeneration();
    const skipped: Skipped[] = [];
    const todo: [string, Stat][] = [];
    const renamedDirs = new Set<string>();
    for await (const name of stream) {
      let path = under ? `${under}/${name as string}` : (name as string);
      if (path !== path.normalize('NFC')) {
        const nfc = this.toNfc(path.replace(/\/$/, ''));
        if (nfc === null) continue;
        if (nfc.dir || path.endsWith('/')) {
          renamedDirs.add(nfc.path); // its files are walked under the new name below
          continue;
        }
        path = nfc.path;
      }
      if (path.endsWith('/')) continue;
      let stat: Stat | undefined;
      try {
        stat = this.disk.fs.lstatSync(join(this.root, path));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue; // gone since it was listed
        // Unreadable metadata is no reason to think the file was deleted: keep what we knew.
        if (tree.has(path)) seen.add(path);
        skipped.push({ path, reason: `cannot read its metadata (${code ?? (error as Error).message})` });
        continue;
      }
      if (stat === undefined) continue; // gone since it was listed
      const known = tree.get(path);
      // A file this scanner already accepted under the same ignore rules, unchanged since:
      // the path checks (ignore rules, name rules) cannot have changed their verdict.
      if (!this.rehashing && known !== undefined && known.checked === generation && known.contentHash !== null && stat.isFile() && sameStat(known, stat)) {
        seen.add(path);
        continue;
      }
      const problem = this.problem(path, stat);
      if (problem === 'ignored') continue;
      if (problem) {
        skipped.push({ path, reason: problem });
        continue;
      }
      seen.add(path);
      const { size, mtimeMs, ino } = stat;
      if (!this.knownUnchanged(path, { size, mtimeMs, ino }, tree)) todo.push([path, compactStat(size, mtimeMs, ino)]);
    }
    const { hashed, unstable } = await this.hashChanged(todo, tree);
    const result = { skipped, hashed, unstable };
    for (const dir of renamedDirs) {
      const more = await this.walk(dir, tree, seen);
      result.skipped.push(...more.skipped);
      result.hashed += more.hashed;
      result.unstable.push(...more.unstable);
    }
    return result;
  }

  /**
   * Gives the first non-NFC segment of `path` its NFC form on disk (nfc-names.ts): the new
   * path (a "(Unicode Conflict)" name when its NFC twin is there), and whether a folder was
   * renamed; null when it is gone.
   */
  private toNfc(path: string): { path: string; dir: boolean } | null {
    if (this.rules().ignores(path)) return { path, dir: false }; // ignored: left as it is
    const outcome = renameToNfc(this.disk.fs, this.root, path);
    return outcome.kind === 'renamed' ? { path: outcome.to, dir: !outcome.whole } : null;
  }

  /** Stat-only check: true when the tree or the base already knows this exact file (never while rehashing). */
  private knownUnchanged(path: string, stat: { size: number; mtimeMs: number; ino: number }, tree: Map<string, LocalEntry>): boolean {
    if (this.rehashing) return false;
    const known = tree.get(path);
    if (known && known.contentHash !== null && sameStat(known, stat)) {
      known.checked = this.generation;
      return true;
    }
    const base = this.base.get(path);
    if (base && sameStat(base, stat)) {
      // The base's path string, not the walk's copy: one string per file in memory, not two.
      tree.set(base.path, { path: base.path, size: stat.size, mtime: stat.mtimeMs, ino: stat.ino, contentHash: base.contentHash, checked: this.generation });
      return true;
    }
    return false;
  }

  /** 'ignored', a reason to report, or null for a file to sync. */
  private problem(path: string, stat: Stat): string | null {
    if (this.rules().ignores(path)) return 'ignored';
    if (stat.isSymbolicLink()) return SYMLINK_SKIP;
    if (!stat.isFile()) return stat.isDirectory() ? 'ignored' : 'not a regular file';
    const bad = pathProblem(path);
    if (bad) return bad;
    if (path !== path.normalize('NFC')) return 'name is not in Unicode NFC form';
    return null;
  }

  /** Stat-only for known files; hashes the others, a few at a time. */
  private async hashChanged(files: [string, Stat][], tree: Map<string, LocalEntry>): Promise<{ hashed: number; unstable: string[] }> {
    const todo = files.filter(([path, stat]) => !this.knownUnchanged(path, stat, tree));
    const unstable: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const [path, stat] = todo[next++];
        let snapshot = null;
        try {
          snapshot = await hashSnapshot(this.disk.fs, join(this.root, path), { keep: this.disk.kept });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            tree.delete(path);
            continue;
          }
          throw error;
        }
        if (!snapshot) {
          unstable.push(path);
          tree.set(path, { path, size: stat.size, mtime: stat.mtimeMs, ino: stat.ino, contentHash: null });
        } else {
          const checked = this.generation;
          tree.set(path, { path, size: snapshot.size, mtime: snapshot.mtime, ino: snapshot.ino, contentHash: snapshot.contentHash, blocks: snapshot.blocks, checked });
        }
      }
    };
    await Promise.all(Array.from({ length: HASH_CONCURRENCY }, worker));
    return { hashed: todo.length, unstable };
  }
}

export function sameStat(known: { size: number; mtime: number; ino: number }, stat: { size: number; mtimeMs: number; ino: number }): boolean {
  return known.size === stat.size && known.mtime === stat.mtimeMs && known.ino === stat.ino;
}

function compactStat(size: number, mtimeMs: number, ino: number): Stat {
  return { size, mtimeMs, ino, isFile: () => true, isDirectory: () => false, isSymbolicLink: () => false };
}

/** Every folder that holds a file of the tree. */
function dirsOf(tree: Map<string, LocalEntry>): Set<string> {
  const dirs = new Set<string>();
  for (const key of tree.keys()) {
    for (let slash = key.lastIndexOf('/'); slash > 0; slash = key.lastIndexOf('/', slash - 1)) {
      const dir = key.slice(0, slash);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  return dirs;
}

/** Drops hints covered by a parent hint, so each subtree is scanned once. */
function collapse(paths: Iterable<string>): string[] {
  const sorted = [...new Set(paths)].sort();
  const out: string[] = [];
  for (const path of sorted) {
    const last = out.at(-1);
    if (last !== undefined && (path === last || path.startsWith(last + '/'))) continue;
    out.push(path);
  }
  return out;
}
