// A split deployment for hybrid tests: s3rver, a block service process (--role blocks) on
// a fixed port (so it can be killed and restarted where the metadata service expects it),
// and a metadata process (--role meta) with the S3 tier. All on 127.0.0.1.

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runHsync, startServerProcess, type CliResult, type ServerProcess } from './server-process.js';
import { startS3rver, type S3rverPeer } from './s3rver.js';

export interface HybridCluster {
  s3: S3rverPeer;
  blocks: ServerProcess;
  meta: ServerProcess;
  secretFile: string;
  blockServiceUrl: string;
  /** `hsync server SUB … --data <meta data>` plus the S3 and block-service flags. */
  admin(sub: string[], extra?: string[]): Promise<CliResult>;
  /**
   * Stops the metadata service and starts it again on its data with the retention sweep's
   * clock `offsetMs` ahead (HSYNC_TEST_CLOCK_OFFSET_MS); the caller disposes of the new one.
   */
  metaLater(offsetMs: number): Promise<ServerProcess>;
  /** `hsync server stats --json` of the metadata data dir. */
  stats(): Promise<TierStatsJson>;
  /** Hashes of the blocks the block service holds on disk (loose files whose bytes match). */
  blockServiceHashes(): Promise<Set<string>>;
  /**
   * Hashes of the blocks s3rver holds byte-exact: whole-block objects whose bytes match
   * their name, and packed blocks whose range (from the metadata index) in the pack file
   * on s3rver's disk hashes to their name.
   */
  s3Hashes(): Promise<Set<string>>;
  /** The same, split: whole-block objects and packed blocks, and the pack objects on disk. */
  s3Layout(): Promise<S3Layout>;
  dispose(): Promise<void>;
}

export interface TierStatsJson {
  tiers: { inhouse: { blocks: number; bytes: number }; s3: { blocks: number; bytes: number } };
  logicalBytes: number;
  storedBytes: number;
  pendingRepatriation: number;
  corruptBlocks: number;
  monthlyCost: { inhouse: number; s3: number; total: number };
}

export interface S3Layout {
  whole: Set<string>;
  packed: Set<string>;
  /** Ids of the pack objects s3rver holds (`<prefix>packs/<id>`). */
  packs: Set<string>;
  /** Where each packed block sits: s3rver's file for its pack, and its range there. */
  packedAt: Map<string, { file: string; offset: number; size: number }>;
}

/**
 * What s3rver's directory holds, checked byte by byte: whole-block objects under
 * blocks/<hash>, and for pack objects under packs/<id>, every block the metadata index
 * (`dataDir`'s database, opened read-only) places in them, hash-checked at its range.
 */
export async function s3LayoutOf(s3Directory: string, dataDir: string): Promise<S3Layout> {
  const whole = await verifiedHashes(s3Directory, (file) => /blocks\/([0-9a-f]{64})\._S3rver_object$/.exec(file)?.[1] ?? null);
  const packFiles = new Map<string, string>();
  await walkFiles(s3Directory, (file) => {
    const id = /packs\/([^/]+)\._S3rver_object$/.exec(file)?.[1];
    if (id) packFiles.set(id, file);
  });
  const packed = new Set<string>();
  const packedAt = new Map<string, { file: string; offset: number; size: number }>();
  const db = new Database(join(dataDir, 'server.db'), { readonly: true, fileMustExist: true });
  try {
    const hasPacks = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 's3_packs'").get() !== undefined;
    const rows = hasPacks
      ? (db.prepare('SELECT hash, size, pack, pack_offset AS offset FROM s3_objects WHERE pack IS NOT NULL').all() as { hash: string; size: number; pack: string; offset: number }[])
      : [];
    const cache = new Map<string, Buffer>();
    for (const row of rows) {
      const file = packFiles.get(row.pack);
      if (!file) continue;
      packedAt.set(row.hash, { file, offset: row.offset, size: row.size });
      if (!cache.has(row.pack)) cache.set(row.pack, await readFile(file));
      const bytes = cache.get(row.pack)!.subarray(row.offset, row.offset + row.size);
      if (bytes.length === row.size && createHash('sha256').update(bytes).digest('hex') === row.hash) packed.add(row.hash);
    }
  } finally {
    db.close();
  }
  return { whole, packed, packs: new Set(packFiles.keys()), packedAt };
}

async function walkFiles(dir: string, visit: (file: string) => void): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) await walkFiles(full, visit);
    else visit(full);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function verifiedHashes(dir: string, nameOf: (file: string) => string | null): Promise<Set<string>> {
  const out = new Set<string>();
  const walk = async (path: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(path, e.name);
      if (e.isDirectory()) await walk(full);
      else {
        const hash = nameOf(full);
        if (hash && createHash('sha256').update(await readFile(full)).digest('hex') === hash) out.add(hash);
      }
    }
  };
  await walk(dir);
  return out;
}

/** `umask`: of both server processes (see ServerProcessOptions). */
export async function startHybridCluster(metaArgs: string[] = [], umask?: number): Promise<HybridCluster> {
  const s3 = await startS3rver();
  const secretFile = join(await mkdtemp(join(tmpdir(), 'hsync-key-')), 'block.key');
  const port = await freePort();
  const blocks = await startServerProcess({ args: ['--role', 'blocks', '--secret-file', secretFile, '--port', String(port)], umask });
  const blockServiceUrl = blocks.url;
  const metaFlags = ['--role', 'meta', '--block-service', blockServiceUrl, '--secret-file', secretFile, ...s3.flags, '--repatriate-every-sec', '0', '--scrub-rate-mb', '0', ...metaArgs];
  const meta = await startServerProcess({ env: s3.env, args: metaFlags, umask });
  const cluster: HybridCluster = {
    s3,
    blocks,
    meta,
    secretFile,
    blockServiceUrl,
    async metaLater(offsetMs) {
      await meta.stop();
      return startServerProcess({ dataDir: meta.dataDir, env: { ...s3.env, HSYNC_TEST_CLOCK_OFFSET_MS: String(offsetMs) }, args: metaFlags, umask });
    },
    admin: (sub, extra = []) =>
      runHsync(['server', ...sub, '--data', meta.dataDir, ...s3.flags, '--block-service', blockServiceUrl, '--secret-file', secretFile, ...extra], s3.env),
    async stats() {
      const result = await runHsync(['server', 'stats', '--data', meta.dataDir, '--json']);
      if (result.code !== 0) throw new Error(`stats: ${result.stderr}`);
      return JSON.parse(result.stdout) as TierStatsJson;
    },
    blockServiceHashes: () => verifiedHashes(join(blocks.dataDir, 'blocks'), (file) => /([0-9a-f]{64})$/.exec(file)?.[1] ?? null),
    async s3Hashes() {
      const { whole, packed } = await s3LayoutOf(s3.directory, meta.dataDir);
      return new Set([...whole, ...packed]);
    },
    s3Layout: () => s3LayoutOf(s3.directory, meta.dataDir),
    async dispose() {
      await meta.dispose();
      await blocks.dispose();
      await s3.stop();
      await rm(dirname(secretFile), { recursive: true, force: true });
    },
  };
  return cluster;
}
