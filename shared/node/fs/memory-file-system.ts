// The FileSystem port in memory, for the simulation and tests (docs/engine.md "The
// file-system port"), after Syncthing's fakefs: a tree of nodes with inode numbers, modes,
// times and symbolic links, POSIX rename and error codes, and options for what real disks do
// to a sync engine: letter case ignored (FAT, APFS, NTFS), coarse mtimes (FAT: 2 s), a full
// disk, injected errors per call and path, and latency before any asynchronous call.
//
// Crashes: a process crash loses nothing the kernel already took, fsynced or not, so by
// default every completed call is durable at once and sync/datasync only count (`syncs`).
// With `powerLoss`, powerCut() models what a power cut leaves of an ext4 disk mounted
// data=ordered (docs/testing.md "Power cuts"): the file system as at its last commit (any
// fsync or fdatasync commits everything before it, data first), plus, per file written
// since, the seed's pick of how much of that data reached the disk.

import { constants as nodeConstants } from 'node:fs';
import { posix } from 'node:path';
import type { DirEntry, DiskSpace, FileStats, FileSystem, GlobAdapter, OpenFile, OpenFlags } from './file-system.js';

/** The calls a fault or a delay can target, by the port's method names (handle calls: 'read', 'write'...). */
export type FsCall = string;

export interface MemoryFileSystemOptions {
  /** Names differing only in letter case are one name (the spelling made first is kept). */
  caseInsensitive?: boolean;
  /** mtimes are cut down to a multiple of this (2000 for FAT); default 1 ms. */
  mtimeResolutionMs?: number;
  /** The clock for mtimes and ctimes (default Date.now). */
  now?: () => number;
  /** Bytes the disk holds; writes past it fail with ENOSPC (default 1 TiB). */
  capacityBytes?: number;
  /** Keep what a power cut would leave, for powerCut() (default off: no copies are kept). */
  powerLoss?: boolean;
  /** Bits taken off the mode of new files and folders (default 0o022). */
  umask?: number;
  /** An error code (ENOSPC, EIO, EACCES...) to fail this call with, or undefined to let it run. */
  fault?: (call: FsCall, path: string) => string | undefined;
  /** Awaited before each asynchronous call acts: a test's latency or reordering point. */
  delay?: (call: FsCall, path: string) => Promise<void> | undefined;
}

interface Times {
  ino: number;
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
}
interface FileNode extends Times {
  kind: 'file';
  data: Buffer;
  size: number;
  /** `data` is shared with the committed copy (powerLoss): copied before it is written. */
  shared?: boolean;
}
interface DirNode extends Times {
  kind: 'dir';
  /** By name key (folded when case-insensitive): the name as made, and the node. */
  entries: Map<string, { name: string; node: Node }>;
}
interface LinkNode extends Times {
  kind: 'link';
  target: string;
}
type Node = FileNode | DirNode | LinkNode;

/** The unit in which a file's data reaches the disk: a page of the page cache. */
const PAGE = 4096;

const TYPE_BITS = { file: 0o100000, dir: 0o040000, link: 0o120000 } as const;
const ERRORS: Record<string, [number, string]> = {
  ENOENT: [-2, 'no such file or directory'],
  EIO: [-5, 'i/o error'],
  EBADF: [-9, 'bad file descriptor'],
  EACCES: [-13, 'permission denied'],
  EEXIST: [-17, 'file already exists'],
  ENOTDIR: [-20, 'not a directory'],
  EISDIR: [-21, 'illegal operation on a directory'],
  EINVAL: [-22, 'invalid argument'],
  ENOSPC: [-28, 'no space left on device'],
  ELOOP: [-40, 'too many symbolic links encountered'],
  ENOTEMPTY: [-39, 'directory not empty'],
};

/** An error shaped like Node's: `code`, `errno`, `syscall`, `path`. */
export function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const [errno, text] = ERRORS[code] ?? [-1, 'error'];
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, errno, syscall, path });
}

function statsOf(node: Node, size: number): FileStats {
  return {
    size,
    mtimeMs: node.mtimeMs,
    ctimeMs: node.ctimeMs,
    birthtimeMs: node.birthtimeMs,
    ino: node.ino,
    mode: TYPE_BITS[node.kind] | node.mode,
    nlink: node.kind === 'dir' ? 2 : 1,
    isFile: () => node.kind === 'file',
    isDirectory: () => node.kind === 'dir',
    isSymbolicLink: () => node.kind === 'link',
  };
}

function direntOf(name: string, node: Node): DirEntry & Record<'isBlockDevice' | 'isCharacterDevice' | 'isFIFO' | 'isSocket', () => boolean> {
  const no = () => false;
  return { name, isFile: () => node.kind === 'file', isDirectory: () => node.kind === 'dir', isSymbolicLink: () => node.kind === 'link', isBlockDevice: no, isCharacterDevice: no, isFIFO: no, isSocket: no };
}

interface Flags {
  read: boolean;
  write: boolean;
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  append: boolean;
}

function parseFlags(flags: OpenFlags): Flags {
  if (typeof flags === 'number') {
    const c = nodeConstants;
    const access = flags & 3;
    return { read: access !== c.O_WRONLY, write: access !== c.O_RDONLY, create: (flags & c.O_CREAT) !== 0, exclusive: (flags & c.O_EXCL) !== 0, truncate: (flags & c.O_TRUNC) !== 0, append: (flags & c.O_APPEND) !== 0 };
  }
  const plus = flags.includes('+');
  const x = flags.includes('x');
  switch (flags[0]) {
    case 'r':
      return { read: true, write: plus, create: false, exclusive: false, truncate: false, append: false };
    case 'w':
      return { read: plus, write: true, create: true, exclusive: x, truncate: true, append: false };
    case 'a':
      return { read: plus, write: true, create: true, exclusive: x, truncate: false, append: true };
    default:
      throw Object.assign(new TypeError(`open: unknown flags "${flags}"`), { code: 'ERR_INVALID_ARG_VALUE' });
  }
}

interface Descriptor {
  node: FileNode | DirNode;
  path: string;
  flags: Flags;
}

export class MemoryFileSystem implements FileSystem {
  readonly constants = nodeConstants;
  /** How many sync/datasync calls were made (nothing waits for them, see the head comment). */
  syncs = 0;
  private root: DirNode;
  /** The tree as of the last commit (powerLoss only): what a power cut leaves. */
  private committed: DirNode | null = null;
  private nextIno = 2;
  private nextFd = 3;
  private lastChange = 0;
  private used = 0;
  private readonly fds = new Map<number, Descriptor>();
  private readonly resolution: number;
  private readonly now: () => number;
  private readonly umask: number;

  constructor(private readonly options: MemoryFileSystemOptions = {}) {
    this.resolution = options.mtimeResolutionMs ?? 1;
    this.now = options.now ?? Date.now;
    this.umask = options.umask ?? 0o022;
    this.root = this.newNode({ kind: 'dir', entries: new Map() }, 0o755);
    this.keepCommitted();
  }

  // ----- durability (powerLoss) -----

  /**
   * An fsync or fdatasync of anything: ext4 commits its one journal for the whole disk, and
   * in data=ordered mode the data of the files it covers goes first. File data is shared
   * with the copy until written again (copy on write), so a commit costs a walk of the tree.
   */
  private commit(): void {
    this.syncs++;
    this.keepCommitted();
  }

  private keepCommitted(): void {
    if (!this.options.powerLoss) return;
    const copy = (node: Node): Node => {
      if (node.kind === 'dir') return { ...node, entries: new Map([...node.entries].map(([key, { name, node: child }]) => [key, { name, node: copy(child) }])) };
      if (node.kind === 'file') node.shared = true;
      return { ...node };
    };
    this.committed = copy(this.root) as DirNode;
  }

  /** Commits everything, as the `sync` command does (a setup the simulation starts from). */
  syncAll(): void {
    this.commit();
  }

  /**
   * A power cut (needs `powerLoss`): open files are gone, and the disk comes back as at the
   * last commit. Each file whose data was written since keeps its committed bytes, or has
   * its first k pages as written, k = pick(pages + 1) (0: the writes lost); its length,
   * times and name are the committed ones (metadata). Returns how many files came back torn.
   */
  powerCut(pick: (n: number) => number): number {
    if (!this.committed) throw new Error('powerCut needs the powerLoss option');
    this.fds.clear();
    const live = new Map<number, FileNode>();
    const collect = (node: Node) => {
      if (node.kind === 'file') live.set(node.ino, node);
      else if (node.kind === 'dir') for (const { node: child } of node.entries.values()) collect(child);
    };
    collect(this.root);
    let torn = 0;
    this.used = 0;
    const restore = (node: Node): Node => {
      if (node.kind === 'dir') return { ...node, entries: new Map([...node.entries].map(([key, { name, node: child }]) => [key, { name, node: restore(child) }])) };
      if (node.kind === 'link') return { ...node };
      const back: FileNode = { ...node, shared: true };
      this.used += node.size;
      const now = live.get(node.ino);
      if (!now || now.data === node.data) return back;
      const written = pick(Math.ceil(node.size / PAGE) + 1);
      if (written === 0) return back;
      torn++;
      back.data = Buffer.from(node.data.subarray(0, node.size));
      back.shared = false;
      now.data.copy(back.data, 0, 0, Math.min(written * PAGE, now.size, node.size));
      if (now.size < Math.min(written * PAGE, node.size)) back.data.fill(0, now.size, Math.min(written * PAGE, node.size));
      return back;
    };
    // What came back is what is on the disk now: committed.
    this.root = restore(this.committed) as DirNode;
    this.keepCommitted();
    return torn;
  }

  // ----- the tree -----

  private key(name: string): string {
    return this.options.caseInsensitive ? name.toLowerCase() : name;
  }

  private mtimeNow(): number {
    return Math.floor(this.now() / this.resolution) * this.resolution;
  }

  /** A ctime that moves at every change, as a real one does at its nanosecond resolution. */
  private changeTime(): number {
    this.lastChange = Math.max(this.now(), this.lastChange + 0.001);
    return this.lastChange;
  }

  private newNode<T extends Omit<FileNode, keyof Times> | Omit<DirNode, keyof Times> | Omit<LinkNode, keyof Times>>(shape: T, mode: number): T & Times {
    const at = this.now();
    return { ...shape, ino: this.nextIno++, mode: mode & 0o7777, mtimeMs: this.mtimeNow(), ctimeMs: this.changeTime(), birthtimeMs: at };
  }

  private touch(node: Node): void {
    node.mtimeMs = this.mtimeNow();
    node.ctimeMs = this.changeTime();
  }

  private split(path: string): string[] {
    if (!posix.isAbsolute(path)) throw fsError('EINVAL', 'resolve', path);
    return posix.normalize(path).split('/').filter((s) => s !== '');
  }

  /** The folder holding `path`'s last name (links on the way followed), and that name. */
  private parentOf(path: string, syscall: string, depth = 0): { dir: DirNode; name: string; dirPath: string } {
    const parts = this.split(path);
    if (parts.length === 0) throw fsError('EINVAL', syscall, path);
    const name = parts.pop()!;
    const dirPath = '/' + parts.join('/');
    const dir = this.walk(parts, syscall, path, depth);
    if (dir.kind !== 'dir') throw fsError('ENOTDIR', syscall, path);
    return { dir, name, dirPath };
  }

  /** The node at `parts`, following every link (a missing name: ENOENT; a file on the way: ENOTDIR). */
  private walk(parts: string[], syscall: string, path: string, depth: number): Node {
    let node: Node = this.root;
    let at = '/';
    for (const part of parts) {
      if (node.kind !== 'dir') throw fsError('ENOTDIR', syscall, path);
      const entry = node.entries.get(this.key(part));
      if (!entry) throw fsError('ENOENT', syscall, path);
      node = entry.node;
      at = posix.join(at, part);
      if (node.kind === 'link') node = this.follow(node, posix.dirname(at), syscall, path, depth);
    }
    return node;
  }

  private follow(link: LinkNode, dirPath: string, syscall: string, path: string, depth: number): Node {
    if (depth > 40) throw fsError('ELOOP', syscall, path);
    return this.walk(this.split(posix.resolve(dirPath, link.target)), syscall, path, depth + 1);
  }

  /** The node at `path`; its last name is followed when it is a link and `follow` is set. */
  private find(path: string, syscall: string, follow: boolean): Node | undefined {
    const parts = this.split(path);
    if (parts.length === 0) return this.root;
    const { dir, name, dirPath } = this.parentOf(path, syscall);
    const node = dir.entries.get(this.key(name))?.node;
    if (node?.kind === 'link' && follow) return this.follow(node, dirPath, syscall, path, 0);
    return node;
  }

  /**
   * find, without an error object for a name missing on the way (undefined): the engine's
   * lstat checks ask about missing paths thousands of times a cycle. A file on the way still
   * throws ENOTDIR, and a link on the way is followed as find does.
   */
  private peek(path: string, follow: boolean): Node | undefined {
    const parts = this.split(path);
    let node: Node = this.root;
    let at = '/';
    for (const [i, part] of parts.entries()) {
      if (node.kind !== 'dir') throw fsError('ENOTDIR', 'lstat', path);
      const entry = node.entries.get(this.key(part));
      if (!entry) return undefined;
      node = entry.node;
      if (node.kind === 'link' && (follow || i < parts.length - 1)) {
        try {
          node = this.follow(node, at, 'lstat', path, 0);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        }
      }
      at = posix.join(at, part);
    }
    return node;
  }

  private need(path: string, syscall: string, follow = true): Node {
    const node = this.find(path, syscall, follow);
    if (!node) throw fsError('ENOENT', syscall, path);
    return node;
  }

  private check(call: FsCall, path: string): void {
    const code = this.options.fault?.(call, path);
    if (code) throw fsError(code, call, path);
  }

  private async before(call: FsCall, path: string): Promise<void> {
    await this.options.delay?.(call, path);
    this.check(call, path);
  }

  /** Gives `file` its own data before a write, when the committed copy shares it. */
  private own(file: FileNode): void {
    if (!file.shared) return;
    file.data = Buffer.from(file.data);
    file.shared = false;
  }

  private resize(file: FileNode, size: number, path: string): void {
    this.own(file);
    if (size > file.size && this.used + (size - file.size) > (this.options.capacityBytes ?? 2 ** 40)) throw fsError('ENOSPC', 'write', path);
    if (size > file.data.length) {
      // Room to grow by doubling (appends and block-by-block writes), zeroed past the old end.
      const grown = Buffer.allocUnsafe(Math.max(size, Math.min(file.data.length * 2, size + (64 << 20))));
      file.data.copy(grown, 0, 0, file.size);
      grown.fill(0, file.size);
      file.data = grown;
    } else if (size < file.size) file.data.fill(0, size, file.size);
    this.used += size - file.size;
    file.size = size;
  }

  private writeAt(file: FileNode, buffer: Buffer, offset: number, length: number, position: number, path: string): number {
    const end = position + length;
    if (end > file.size) this.resize(file, end, path);
    this.own(file);
    buffer.copy(file.data, position, offset, offset + length);
    this.touch(file);
    return length;
  }

  private readAt(file: FileNode, buffer: Buffer, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, file.size - position));
    if (n > 0) file.data.copy(buffer, offset, position, position + n);
    return n;
  }

  private openNode(path: string, flagsIn: OpenFlags, mode = 0o666): Descriptor {
    const flags = parseFlags(flagsIn);
    const found = this.find(path, 'open', true);
    if (found && flags.create && flags.exclusive) throw fsError('EEXIST', 'open', path);
    let node: FileNode | DirNode;
    if (!found) {
      if (!flags.create) throw fsError('ENOENT', 'open', path);
      const { dir, name } = this.parentOf(path, 'open');
      const link = dir.entries.get(this.key(name));
      if (link) throw fsError('ENOENT', 'open', path); // a dangling link: never created through
      node = this.newNode({ kind: 'file', data: Buffer.alloc(0), size: 0 }, mode & ~this.umask);
      dir.entries.set(this.key(name), { name, node });
      this.touch(dir);
    } else if (found.kind === 'link') {
      throw fsError('ELOOP', 'open', path);
    } else {
      node = found;
      if (node.kind === 'dir' && flags.write) throw fsError('EISDIR', 'open', path);
      if (node.kind === 'file' && flags.truncate && node.size > 0) {
        this.resize(node, 0, path);
        this.touch(node);
      }
    }
    return { node, path, flags };
  }

  private descriptor(fd: number, syscall: string): Descriptor {
    const d = this.fds.get(fd);
    if (!d) throw fsError('EBADF', syscall, String(fd));
    return d;
  }

  private fileOf(d: Descriptor, syscall: string): FileNode {
    if (d.node.kind !== 'file') throw fsError('EISDIR', syscall, d.path);
    return d.node;
  }

  private remove(path: string, syscall: string, want: 'file' | 'dir'): void {
    const { dir, name } = this.parentOf(path, syscall);
    const entry = dir.entries.get(this.key(name));
    if (!entry) throw fsError('ENOENT', syscall, path);
    const node = entry.node;
    if (want === 'file' && node.kind === 'dir') throw fsError('EISDIR', syscall, path);
    if (want === 'dir' && node.kind !== 'dir') throw fsError('ENOTDIR', syscall, path);
    if (want === 'dir' && node.kind === 'dir' && node.entries.size > 0) throw fsError('ENOTEMPTY', syscall, path);
    if (node.kind === 'file') this.used -= node.size;
    dir.entries.delete(this.key(name));
    this.touch(dir);
  }

  private removeTree(node: Node): void {
    if (node.kind === 'file') this.used -= node.size;
    if (node.kind === 'dir') for (const { node: child } of node.entries.values()) this.removeTree(child);
  }

  private makeDir(path: string, recursive: boolean, mode: number): void {
    const parts = this.split(path);
    let dir = this.root;
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      const entry = dir.entries.get(this.key(part));
      let node = entry?.node;
      if (node?.kind === 'link') node = this.follow(node, '/' + parts.slice(0, i).join('/'), 'mkdir', path, 0);
      if (node) {
        if (last && !recursive) throw fsError('EEXIST', 'mkdir', path);
        if (node.kind !== 'dir') throw fsError(last ? 'EEXIST' : 'ENOTDIR', 'mkdir', path);
        dir = node;
        continue;
      }
      if (!last && !recursive) throw fsError('ENOENT', 'mkdir', path);
      const made = this.newNode({ kind: 'dir', entries: new Map() }, mode & ~this.umask);
      dir.entries.set(this.key(part), { name: part, node: made });
      this.touch(dir);
      dir = made;
    }
  }

  private move(from: string, to: string): void {
    const source = this.parentOf(from, 'rename');
    const entry = source.dir.entries.get(this.key(source.name));
    if (!entry) throw fsError('ENOENT', 'rename', from);
    const target = this.parentOf(to, 'rename');
    const there = target.dir.entries.get(this.key(target.name));
    const node = entry.node;
    if (node.kind === 'dir' && (posix.normalize(to) + '/').startsWith(posix.normalize(from) + '/') && posix.normalize(to) !== posix.normalize(from)) throw fsError('EINVAL', 'rename', from);
    if (there && there.node !== node) {
      if (node.kind === 'dir' && there.node.kind !== 'dir') throw fsError('ENOTDIR', 'rename', to);
      if (node.kind !== 'dir' && there.node.kind === 'dir') throw fsError('EISDIR', 'rename', to);
      if (there.node.kind === 'dir' && there.node.entries.size > 0) throw fsError('ENOTEMPTY', 'rename', to);
      this.removeTree(there.node);
    }
    if (there?.node === node && source.dir === target.dir && entry.name === target.name) return;
    source.dir.entries.delete(this.key(source.name));
    target.dir.entries.set(this.key(target.name), { name: target.name, node });
    node.ctimeMs = this.changeTime();
    this.touch(source.dir);
    this.touch(target.dir);
  }

  private handle(fd: number): OpenFile {
    const run = async <T>(call: FsCall, work: (d: Descriptor) => T): Promise<T> => {
      const d = this.descriptor(fd, call);
      await this.before(call, d.path);
      return work(d);
    };
    return {
      stat: () => run('fstat', () => this.fstatSync(fd)),
      read: (buffer, offset, length, position) => run('read', () => ({ bytesRead: this.readSync(fd, buffer, offset, length, position) })),
      write: (buffer, offset, length, position) => run('write', (d) => ({ bytesWritten: this.writeFd(d, buffer, offset, length, position) })),
      truncate: (length) => run('ftruncate', (d) => this.truncateNode(this.fileOf(d, 'ftruncate'), length, d.path)),
      utimes: (atime, mtime) => run('futimes', (d) => this.setMtime(d.node, mtime)),
      sync: () => run('fsync', () => this.commit()),
      datasync: () => run('fdatasync', () => this.commit()),
      close: async () => this.closeSync(fd),
    };
  }

  private writeFd(d: Descriptor, buffer: Buffer, offset: number, length: number, position: number): number {
    if (!d.flags.write) throw fsError('EBADF', 'write', d.path);
    const file = this.fileOf(d, 'write');
    return this.writeAt(file, buffer, offset, length, d.flags.append ? file.size : position, d.path);
  }

  private truncateNode(file: FileNode, length: number, path: string): void {
    this.resize(file, length, path);
    this.touch(file);
  }

  private setMtime(node: Node, mtimeSeconds: number): void {
    node.mtimeMs = Math.floor((mtimeSeconds * 1000) / this.resolution) * this.resolution;
    node.ctimeMs = this.changeTime();
  }

  private sizeOf(node: Node): number {
    return node.kind === 'file' ? node.size : node.kind === 'link' ? Buffer.byteLength(node.target) : 4096;
  }

  // ----- for tests and the simulation (not in the port: the engine never makes these) -----

  /** Makes a symbolic link at `path` to `target` (fs.symlinkSync). */
  symlinkSync(target: string, path: string): void {
    const { dir, name } = this.parentOf(path, 'symlink');
    if (dir.entries.has(this.key(name))) throw fsError('EEXIST', 'symlink', path);
    dir.entries.set(this.key(name), { name, node: this.newNode({ kind: 'link', target }, 0o777) });
    this.touch(dir);
  }

  /** Sets atime and mtime, in seconds (fs.utimesSync). */
  utimesSync(path: string, _atime: number, mtime: number): void {
    this.check('utimes', path);
    this.setMtime(this.need(path, 'utimes'), mtime);
  }

  /** Appends to a file, making it when missing (fs.appendFileSync). */
  appendFileSync(path: string, data: Buffer | string): void {
    this.check('write', path);
    const d = this.openNode(path, 'a');
    const bytes = Buffer.from(data);
    this.writeAt(this.fileOf(d, 'write'), bytes, 0, bytes.length, (d.node as FileNode).size, path);
  }

  truncateSync(path: string, length: number): void {
    this.check('truncate', path);
    const node = this.need(path, 'truncate');
    if (node.kind !== 'file') throw fsError('EISDIR', 'truncate', path);
    this.truncateNode(node, length, path);
  }

  // ----- the port: synchronous -----

  lstatSync(path: string): FileStats | undefined {
    this.check('lstat', path);
    const node = this.peek(path, false);
    return node && statsOf(node, this.sizeOf(node));
  }

  existsSync(path: string): boolean {
    try {
      return this.peek(path, true) !== undefined;
    } catch {
      return false;
    }
  }

  readdirSync(path: string): string[] {
    return this.listDir(path).map((e) => e.name);
  }

  private listDir(path: string): DirEntry[] {
    this.check('readdir', path);
    const node = this.need(path, 'scandir');
    if (node.kind !== 'dir') throw fsError('ENOTDIR', 'scandir', path);
    return [...node.entries.values()].map(({ name, node: child }) => direntOf(name, child));
  }

  readFileSync(path: string): Buffer {
    this.check('readFile', path);
    const node = this.need(path, 'open');
    if (node.kind !== 'file') throw fsError('EISDIR', 'read', path);
    return Buffer.from(node.data.subarray(0, node.size));
  }

  writeFileSync(path: string, data: string | Buffer, options: { flag?: string; mode?: number } = {}): void {
    this.check('writeFile', path);
    const d = this.openNode(path, options.flag ?? 'w', options.mode);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.writeAt(this.fileOf(d, 'write'), bytes, 0, bytes.length, 0, path);
  }

  renameSync(from: string, to: string): void {
    this.check('rename', from);
    this.move(from, to);
  }

  rmSync(path: string, options: { recursive?: boolean; force?: boolean } = {}): void {
    this.check('rm', path);
    const { dir, name } = this.parentOf(path, 'rm');
    const entry = dir.entries.get(this.key(name));
    if (!entry) {
      if (options.force) return;
      throw fsError('ENOENT', 'rm', path);
    }
    if (entry.node.kind === 'dir' && !options.recursive) throw fsError('EISDIR', 'rm', path);
    this.removeTree(entry.node);
    dir.entries.delete(this.key(name));
    this.touch(dir);
  }

  mkdirSync(path: string, options: { recursive?: boolean; mode?: number } = {}): void {
    this.check('mkdir', path);
    this.makeDir(path, options.recursive === true, options.mode ?? 0o777);
  }

  chmodSync(path: string, mode: number): void {
    this.check('chmod', path);
    const node = this.need(path, 'chmod');
    node.mode = mode & 0o7777;
    node.ctimeMs = this.changeTime();
  }

  statfsSync(path: string): DiskSpace {
    this.check('statfs', path);
    this.need(path, 'statfs');
    const capacity = this.options.capacityBytes ?? 2 ** 40;
    return { bsize: 4096, blocks: Math.floor(capacity / 4096), bavail: Math.floor((capacity - this.used) / 4096) };
  }

  openSync(path: string, flags: OpenFlags, mode?: number): number {
    this.check('open', path);
    const fd = this.nextFd++;
    this.fds.set(fd, this.openNode(path, flags, mode));
    return fd;
  }

  fstatSync(fd: number): FileStats {
    const d = this.descriptor(fd, 'fstat');
    return statsOf(d.node, this.sizeOf(d.node));
  }

  readSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number {
    const d = this.descriptor(fd, 'read');
    this.check('read', d.path);
    if (!d.flags.read) throw fsError('EBADF', 'read', d.path);
    return this.readAt(this.fileOf(d, 'read'), buffer, offset, length, position);
  }

  closeSync(fd: number): void {
    this.descriptor(fd, 'close');
    this.fds.delete(fd);
  }

  // ----- the port: asynchronous (the same work, after the delay hook) -----

  async stat(path: string): Promise<FileStats> {
    await this.before('stat', path);
    const node = this.need(path, 'stat');
    return statsOf(node, this.sizeOf(node));
  }

  async lstat(path: string): Promise<FileStats> {
    await this.before('lstat', path);
    const node = this.need(path, 'lstat', false);
    return statsOf(node, this.sizeOf(node));
  }

  async readdir(path: string): Promise<string[]> {
    await this.options.delay?.('readdir', path);
    return this.readdirSync(path);
  }

  async readdirWithTypes(path: string): Promise<DirEntry[]> {
    await this.options.delay?.('readdir', path);
    return this.listDir(path);
  }

  async readFile(path: string): Promise<Buffer> {
    await this.options.delay?.('readFile', path);
    return this.readFileSync(path);
  }

  async writeFile(path: string, data: string | Buffer, options: { mode?: number } = {}): Promise<void> {
    await this.options.delay?.('writeFile', path);
    this.writeFileSync(path, data, options);
  }

  async open(path: string, flags: OpenFlags, mode?: number): Promise<OpenFile> {
    await this.options.delay?.('open', path);
    return this.handle(this.openSync(path, flags, mode));
  }

  async rename(from: string, to: string): Promise<void> {
    await this.options.delay?.('rename', from);
    this.renameSync(from, to);
  }

  async unlink(path: string): Promise<void> {
    await this.before('unlink', path);
    this.remove(path, 'unlink', 'file');
  }

  async mkdir(path: string, options: { recursive?: boolean; mode?: number } = {}): Promise<void> {
    await this.options.delay?.('mkdir', path);
    this.mkdirSync(path, options);
  }

  async rmdir(path: string): Promise<void> {
    await this.before('rmdir', path);
    this.remove(path, 'rmdir', 'dir');
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.options.delay?.('chmod', path);
    this.chmodSync(path, mode);
  }

  async truncate(path: string, length: number): Promise<void> {
    await this.options.delay?.('truncate', path);
    this.truncateSync(path, length);
  }

  async copyFile(from: string, to: string): Promise<void> {
    await this.before('copyFile', from);
    const source = this.need(from, 'copyfile');
    if (source.kind !== 'file') throw fsError('EISDIR', 'copyfile', from);
    const d = this.openNode(to, 'w', source.mode);
    this.writeAt(this.fileOf(d, 'copyfile'), source.data, 0, source.size, 0, to);
  }

  async statfs(path: string): Promise<DiskSpace> {
    await this.options.delay?.('statfs', path);
    return this.statfsSync(path);
  }

  async writeDurably(path: string, bytes: Buffer, mtimeSeconds: number, mode: number): Promise<FileStats> {
    await this.before('open', path);
    const d = this.openNode(path, 'w', mode);
    this.check('write', path);
    const file = this.fileOf(d, 'write');
    this.writeAt(file, bytes, 0, bytes.length, 0, path);
    this.setMtime(file, mtimeSeconds);
    this.check('fdatasync', path);
    this.commit();
    return statsOf(file, file.size);
  }

  /** fast-glob's calls, answered from the same tree (callbacks run on the next tick, as Node's do). */
  readonly globAdapter: GlobAdapter = (() => {
    const later = <T>(cb: (error: Error | null, value?: T) => void, work: () => T) => {
      let value: T;
      try {
        value = work();
      } catch (error) {
        process.nextTick(cb, error as Error);
        return;
      }
      process.nextTick(cb, null, value);
    };
    const lastArg = (args: unknown[]) => args[args.length - 1] as (error: Error | null, value?: unknown) => void;
    const withTypes = (args: unknown[]) => typeof args[1] === 'object' && args[1] !== null && (args[1] as { withFileTypes?: boolean }).withFileTypes === true;
    const stat = (path: string) => statsOf(this.need(path, 'stat'), 0);
    const lstat = (path: string) => statsOf(this.need(path, 'lstat', false), 0);
    const readdir = (path: string, types: boolean) => (types ? this.listDir(path) : this.readdirSync(path));
    return {
      lstat: ((path: string, ...rest: unknown[]) => later(lastArg(rest), () => lstat(path))) as GlobAdapter['lstat'],
      stat: ((path: string, ...rest: unknown[]) => later(lastArg(rest), () => stat(path))) as GlobAdapter['stat'],
      lstatSync: ((path: string) => lstat(path)) as GlobAdapter['lstatSync'],
      statSync: ((path: string) => stat(path)) as GlobAdapter['statSync'],
      readdir: ((...args: unknown[]) => later(lastArg(args), () => readdir(args[0] as string, withTypes(args)))) as GlobAdapter['readdir'],
      readdirSync: ((...args: unknown[]) => readdir(args[0] as string, withTypes(args))) as GlobAdapter['readdirSync'],
    };
  })();
}
