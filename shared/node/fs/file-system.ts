// The engine's one door to the disk (docs/engine.md "The file-system port"): exactly the calls
// the sync engine makes on the synced folder, with Node's names, arguments and error codes
// (ENOENT, ENOTDIR, EEXIST, EISDIR, ENOTEMPTY... in `error.code`), so the real adapter
// (node-file-system.ts) is a thin pass-through and the in-memory fake (memory-file-system.ts)
// can stand in for it in the simulation. Synchronous calls are here because the engine makes
// them on purpose (a warm-cache lstat costs less than a thread-pool round trip).

/** What the engine reads from a stat. Node's fs.Stats has all of it. */
export interface FileStats {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
  ino: number;
  mode: number;
  nlink: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** One name of a folder listing with its type, as readdir(withFileTypes) gives it. */
export interface DirEntry {
  name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** Free space of the disk holding a path, in blocks of `bsize` bytes. */
export interface DiskSpace {
  bsize: number;
  blocks: number;
  bavail: number;
}

/** An open file. Node's FileHandle has all of it. */
export interface OpenFile {
  stat(): Promise<FileStats>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  /** Seconds, as fs.futimes takes them. */
  utimes(atime: number, mtime: number): Promise<void>;
  sync(): Promise<void>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

/** Flags for open, as node:fs `constants` numbers them (O_RDWR | O_CREAT...) or its strings ('r', 'r+', 'w', 'a', 'wx'). */
export type OpenFlags = string | number;

export interface FileSystem {
  /** The flag numbers of this file system (node:fs `constants`). */
  readonly constants: { O_RDONLY: number; O_RDWR: number; O_CREAT: number; O_TRUNC: number; O_EXCL: number; O_NONBLOCK: number; COPYFILE_FICLONE: number };

  // Synchronous: metadata and small files on paths the engine checks right before acting.
  /** lstat that returns undefined for a missing path (ENOENT) and throws other errors (ENOTDIR). */
  lstatSync(path: string): FileStats | undefined;
  /** True when `path` exists, following links (fs.existsSync). */
  existsSync(path: string): boolean;
  readdirSync(path: string): string[];
  readFileSync(path: string): Buffer;
  /** `flag` 'wx' fails with EEXIST when the file exists; `mode` applies to a new file. */
  writeFileSync(path: string, data: string | Buffer, options?: { flag?: string; mode?: number }): void;
  renameSync(from: string, to: string): void;
  /** fs.rmSync: `recursive` removes a folder's content, `force` ignores a missing path. */
  rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  mkdirSync(path: string, options?: { recursive?: boolean; mode?: number }): void;
  chmodSync(path: string, mode: number): void;
  statfsSync(path: string): DiskSpace;
  openSync(path: string, flags: OpenFlags, mode?: number): number;
  fstatSync(fd: number): FileStats;
  readSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;

  // Asynchronous.
  stat(path: string): Promise<FileStats>;
  lstat(path: string): Promise<FileStats>;
  readdir(path: string): Promise<string[]>;
  readdirWithTypes(path: string): Promise<DirEntry[]>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: string | Buffer, options?: { mode?: number }): Promise<void>;
  open(path: string, flags: OpenFlags, mode?: number): Promise<OpenFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  rmdir(path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  truncate(path: string, length: number): Promise<void>;
  /** `mode` COPYFILE_FICLONE: a reflink where the file system has them, else a copy. */
  copyFile(from: string, to: string, mode?: number): Promise<void>;
  statfs(path: string): Promise<DiskSpace>;
  /**
   * Creates (or empties) `path` with `mode`, writes `bytes`, sets the mtime (seconds),
   * fdatasyncs and returns the file's stat: a small download's whole temp file in one call
   * (the real adapter uses plain callbacks for it, see node-file-system.ts). On failure the
   * file may be left partly written; the caller removes it.
   */
  writeDurably(path: string, bytes: Buffer, mtimeSeconds: number, mode: number): Promise<FileStats>;
  /**
   * What fast-glob calls to walk a folder (its `fs` option): the scanner's walk goes through
   * this file system too.
   */
  readonly globAdapter: GlobAdapter;
}

/** fast-glob's FileSystemAdapter: Node's callback and sync calls, as node:fs has them. */
export interface GlobAdapter {
  lstat: (...args: never[]) => unknown;
  stat: (...args: never[]) => unknown;
  lstatSync: (...args: never[]) => unknown;
  statSync: (...args: never[]) => unknown;
  readdir: (...args: never[]) => unknown;
  readdirSync: (...args: never[]) => unknown;
}
