// The block store on disk. Large blocks are loose files blocks/<aa>/<hash>; blocks that
// arrive together through the batch route are appended to one pack file blocks/packs/<id>
// so a batch costs one file and one fsync instead of one per block (per-file creation and
// fsync cap this disk near 4,000 small files/s). Every write goes to tmp/ first, is
// fsynced, renamed into place and the directory fsynced: a name under blocks/ always
// holds complete, durable bytes.

import { randomBytes } from 'node:crypto';
import { close, createReadStream, open, readdirSync, rmSync, write, writev } from 'node:fs';
import { link, open as openFile, rename, stat, unlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { readFull } from '../../shared/node/blocks/chunker.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../../shared/node/private-files.js';
import { SyncThreads } from './sync-threads.js';
import { WriteMemory } from './write-memory.js';

const openFd = promisify(open);
const closeFd = promisify(close);
const writeFd = promisify(write);
const writevFd = promisify(writev);

const READ_CHUNK = 1024 * 1024;

/**
 * How long a loose block this process wrote counts as fresh. A read that soon after the
 * write is served from the page cache the write filled, so hashing it again proves nothing
 * the hash on the way in did not; older blocks are re-hashed on every read, and the
 * scrubber re-hashes them all from the disk in the background.
 */
const FRESH_MS = 60_000;
const FRESH_MAX = 1024;

/** One set of fsync threads per process, made on first use; idle threads keep nothing alive. */
let shared: SyncThreads | null = null;
const syncThreads = (): SyncThreads => (shared ??= new SyncThreads());

export interface BlockLocation {
  size: number;
  pack: string | null;
  offset: number | null;
}

export class BlockFiles {
  readonly dataDir: string;
  readonly blocksDir: string;
  readonly packsDir: string;
  readonly tmpDir: string;
  /** Loose blocks written here lately: hash → the file's identity right after its rename, and when. */
  private readonly fresh = new Map<string, { stamp: string; at: number }>();
  /**
   * Blocks and packs written lately, and loose blocks being deleted: index rows are recorded
   * only after the bytes are in place, so the retention sweep leaves the first alone.
   */
  private readonly writes = new WriteMemory();

  constructor(dataDir: string) {
    this.dataDir = dataDir;
    this.blocksDir = join(dataDir, 'blocks');
    this.packsDir = join(this.blocksDir, 'packs');
    this.tmpDir = join(dataDir, 'tmp');
  }

  /**
   * Creates the layout and removes temp files left by a crash (they were never
   * acknowledged). Synchronous: runs once before the server listens.
   */
  init(): void {
    this.makeLayout();
    for (const name of readdirSync(this.tmpDir)) rmSync(join(this.tmpDir, name), { force: true });
  }

  /**
   * Makes the folders blocks are written into, each private (0700; every block and pack
   * file is made 0600), without touching what they hold: a running server may be writing.
   */
  makeLayout(): void {
    makePrivateDir(this.dataDir);
    makePrivateDir(this.packsDir);
    for (let i = 0; i < 256; i++) makePrivateDir(join(this.blocksDir, i.toString(16).padStart(2, '0')));
    makePrivateDir(this.tmpDir);
  }

  loosePath(hash: string): string {
    return join(this.blocksDir, hash.slice(0, 2), hash);
  }

  packPath(pack: string): string {
    return join(this.packsDir, pack);
  }

  /** A new temp file, open for writing. */
  async createTemp(): Promise<TempFile> {
    const path = join(this.tmpDir, randomBytes(12).toString('hex'));
    return new TempFile(path, await openFd(path, 'wx', PRIVATE_FILE_MODE));
  }

  /**
   * Makes a fully written temp file the loose block `hash`, durably. A copy already in
   * place is first linked under tmp/ and unlinked after the answer: a rename over the last
   * name of a 4 MiB file frees its extents in the same step (2.1 ms instead of 0.3 ms on
   * ext4 here), which would make re-uploading a stored block measurably slower than
   * uploading a new one and tell the uploader that someone has it (docs/protocol.md,
   * "PUT /v1/blocks/<hash>"). init() removes what a crash leaves under tmp/.
   */
  async commitLoose(temp: TempFile, hash: string): Promise<void> {
    await temp.finish();
    await this.placeLoose(temp.path, hash);
  }

  /** The second half of commitLoose: a finished temp file becomes the loose block `hash`. */
  async placeLoose(tempPath: string, hash: string): Promise<void> {
    // After a deletion the sweep began, never beside it.
    await this.writes.beforeWrite(hash);
    const path = this.loosePath(hash);
    const previous = join(this.tmpDir, `${randomBytes(12).toString('hex')}.old`);
    const kept = await link(path, previous).then(() => true, () => false);
    await rename(tempPath, path);
    await syncThreads().syncDir(join(this.blocksDir, hash.slice(0, 2)));
    if (kept) setImmediate(() => void unlink(previous).catch(() => undefined));
    // The bytes were hash-checked on their way in (the callers' contract).
    this.fresh.delete(hash);
    if (this.fresh.size >= FRESH_MAX) this.fresh.delete(this.fresh.keys().next().value!);
    this.fresh.set(hash, { stamp: stampOf(await stat(path, { bigint: true })), at: Date.now() });
  }

  /**
   * The loose block `hash`, read whole into `into` when it fits (else a new buffer).
   * `fresh` says it is still the very file commitLoose put in place under a minute ago:
   * same inode, size and change time, so nothing has written to it since.
   */
  async readLoose(hash: string, into?: Buffer): Promise<{ bytes: Buffer; fresh: boolean }> {
    const handle = await openFile(this.loosePath(hash), 'r');
    try {
      const info = await handle.stat({ bigint: true });
      const size = Number(info.size);
      const buffer = into && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size);
      const filled = await readFull(handle, buffer, 0);
      const noted = this.fresh.get(hash);
      const fresh = noted !== undefined && Date.now() - noted.at < FRESH_MS && noted.stamp === stampOf(info);
      return { bytes: buffer.subarray(0, filled), fresh: fresh && filled === size };
    } finally {
      await handle.close();
    }
  }

  /** Writes `parts` as a new pack file, durably, and returns its name. */
  async writePack(parts: Buffer[]): Promise<string> {
    const temp = await this.createTemp();
    const pack = `${randomBytes(12).toString('hex')}.pack`;
    this.writes.note(pack);
    try {
      await temp.write(parts);
      await temp.finish();
      await rename(temp.path, this.packPath(pack));
      await syncThreads().syncDir(this.packsDir);
    } catch (error) {
      await temp.discard();
      throw error;
    }
    return pack;
  }

  /**
   * True when block `name` (a hash) or pack `name` was written lately (WriteMemory): its
   * rows may not be in the index yet.
   */
  wroteLately(name: string): boolean {
    return this.writes.wroteLately(name);
  }

  /**
   * Deletes the loose block `hash` (the retention sweep, once its rows are gone). Registered
   * before the first await, so a write of the block that starts later waits until it is done.
   */
  freeLoose(hash: string): Promise<void> {
    const deletion = unlink(this.loosePath(hash)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    return this.writes.free(hash, deletion);
  }

  /** Deletes pack file `pack` (the retention sweep, once no block row points into it). */
  async freePack(pack: string): Promise<void> {
    await unlink(this.packPath(pack)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /**
   * A stream of one block's bytes, in chunks of up to 1 MiB: the default 64 KiB would cost a
   * 4 MiB block 64 trips through the thread pool and 64 socket writes.
   */
  read(hash: string, where: BlockLocation): Readable {
    const highWaterMark = Math.max(1, Math.min(READ_CHUNK, where.size));
    if (where.pack === null || where.offset === null) return createReadStream(this.loosePath(hash), { highWaterMark });
    if (where.size === 0) return Readable.from([]); // a read stream cannot express an empty range
    return createReadStream(this.packPath(where.pack), { start: where.offset, end: where.offset + where.size - 1, highWaterMark });
  }
}

function stampOf(info: BigIntStats): string {
  return `${info.ino}:${info.size}:${info.ctimeNs}`;
}

/** A file under tmp/: written, then either finished (fsynced, closed) and renamed, or discarded. */
export class TempFile {
  private open = true;
  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  /**
   * Appends `parts`. A full disk can make a write short without an error (the next one
   * fails), so short writes are continued until every byte is written or the error shows.
   */
  async write(parts: Buffer[]): Promise<void> {
    let rest = parts.filter((p) => p.length > 0);
    while (rest.length > 0) {
      const { bytesWritten: written } = rest.length === 1 ? await writeFd(this.fd, rest[0]) : await writevFd(this.fd, rest);
      if (written === 0) throw Object.assign(new Error(`write ${this.path}: no progress`), { code: 'EIO' });
      rest = skip(rest, written);
    }
  }

  /** fdatasync (on a sync thread) and close; the caller renames it next. */
  async finish(): Promise<void> {
    await syncThreads().datasync(this.fd);
    this.open = false;
    await closeFd(this.fd);
  }

  /** Closes (if still ours) and deletes it; never throws (it runs on error paths). */
  async discard(): Promise<void> {
    if (this.open) {
      this.open = false;
      await closeFd(this.fd).catch(() => undefined);
    }
    await unlink(this.path).catch(() => undefined);
  }
}

/** `parts` without their first `bytes` bytes. */
function skip(parts: Buffer[], bytes: number): Buffer[] {
  let i = 0;
  while (i < parts.length && bytes >= parts[i].length) bytes -= parts[i++].length;
  const rest = parts.slice(i);
  if (bytes > 0) rest[0] = rest[0].subarray(bytes);
  return rest;
}
