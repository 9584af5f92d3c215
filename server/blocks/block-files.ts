// The block store on disk. Large blocks are loose files blocks/<aa>/<hash>; blocks that
// arrive together through the batch route are appended to one pack file blocks/packs/<id>
// so a batch costs one file and one fsync instead of one per block (per-file creation and
// fsync cap this disk near 4,000 small files/s). Every write goes to tmp/ first, is
// fsynced, renamed into place and the directory fsynced: a name under blocks/ always
// holds complete, durable bytes.

import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface BlockLocation {
  size: number;
  pack: string | null;
  offset: number | null;
}

export class BlockFiles {
  readonly blocksDir: string;
  readonly packsDir: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.blocksDir = join(dataDir, 'blocks');
    this.packsDir = join(this.blocksDir, 'packs');
    this.tmpDir = join(dataDir, 'tmp');
  }

  /**
   * Creates the layout and removes temp files left by a crash (they were never
   * acknowledged). Synchronous: runs once before the server listens.
   */
  init(): void {
    mkdirSync(this.packsDir, { recursive: true });
    for (let i = 0; i < 256; i++) mkdirSync(join(this.blocksDir, i.toString(16).padStart(2, '0')), { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
    for (const name of readdirSync(this.tmpDir)) rmSync(join(this.tmpDir, name), { force: true });
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
    return new TempFile(path, await open(path, 'wx'));
  }

  /** Makes a finished temp file the loose block `hash`, durably. */
  async commitLoose(temp: TempFile, hash: string): Promise<void> {
    await temp.finish();
    await rename(temp.path, this.loosePath(hash));
    await fsyncDir(join(this.blocksDir, hash.slice(0, 2)));
  }

  /** Writes `parts` as a new pack file, durably, and returns its name. */
  async writePack(parts: Buffer[]): Promise<string> {
    const temp = await this.createTemp();
    try {
      await temp.write(parts);
      await temp.finish();
    } catch (error) {
      await temp.discard();
      throw error;
    }
    const pack = `${randomBytes(12).toString('hex')}.pack`;
    await rename(temp.path, this.packPath(pack));
    await fsyncDir(this.packsDir);
    return pack;
  }

  /** A stream of one block's bytes. */
  read(hash: string, where: BlockLocation): Readable {
    if (where.pack === null || where.offset === null) return createReadStream(this.loosePath(hash));
    if (where.size === 0) return Readable.from([]); // a read stream cannot express an empty range
    return createReadStream(this.packPath(where.pack), { start: where.offset, end: where.offset + where.size - 1 });
  }
}

/** A file under tmp/: written, then either finished (fsynced) and renamed, or discarded. */
export class TempFile {
  private closed = false;
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /**
   * Appends `parts`. A full disk can make a write short without an error (the next one
   * fails), so short writes are continued until every byte is written or the error shows.
   */
  async write(parts: Buffer[]): Promise<void> {
    let rest = parts.filter((p) => p.length > 0);
    while (rest.length > 0) {
      const { bytesWritten } = rest.length === 1 ? await this.handle.write(rest[0]) : await this.handle.writev(rest);
      if (bytesWritten === 0) throw Object.assign(new Error(`write ${this.path}: no progress`), { code: 'EIO' });
      rest = skip(rest, bytesWritten);
    }
  }

  /** fsyncs and closes; the caller renames it next. */
  async finish(): Promise<void> {
    await this.handle.datasync();
    this.closed = true;
    await this.handle.close();
  }

  /** Closes and deletes it; never throws (it runs on error paths). */
  async discard(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
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

/** fsync on a directory makes the names created or renamed in it durable. */
export async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
