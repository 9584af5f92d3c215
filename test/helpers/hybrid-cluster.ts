// A split deployment for hybrid tests: s3rver, a block service process (--role blocks) on
// a fixed port (so it can be killed and restarted where the metadata service expects it),
// and a metadata process (--role meta) with the S3 tier. All on 127.0.0.1.

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** `hsync server stats --json` of the metadata data dir. */
  stats(): Promise<TierStatsJson>;
  /** Hashes of the blocks the block service holds on disk (loose files whose bytes match). */
  blockServiceHashes(): Promise<Set<string>>;
  /** Hashes of the block objects in s3rver whose bytes match their name. */
  s3Hashes(): Promise<Set<string>>;
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

export async function startHybridCluster(metaArgs: string[] = []): Promise<HybridCluster> {
  const s3 = await startS3rver();
  const secretFile = join(await mkdtemp(join(tmpdir(), 'hsync-key-')), 'block.key');
  const port = await freePort();
  const blocks = await startServerProcess({ args: ['--role', 'blocks', '--secret-file', secretFile, '--port', String(port)] });
  const blockServiceUrl = blocks.url;
  const meta = await startServerProcess({
    env: s3.env,
    args: ['--role', 'meta', '--block-service', blockServiceUrl, '--secret-file', secretFile, ...s3.flags, '--repatriate-every-sec', '0', '--scrub-rate-mb', '0', ...metaArgs],
  });
  const cluster: HybridCluster = {
    s3,
    blocks,
    meta,
    secretFile,
    blockServiceUrl,
    admin: (sub, extra = []) =>
      runHsync(['server', ...sub, '--data', meta.dataDir, ...s3.flags, '--block-service', blockServiceUrl, '--secret-file', secretFile, ...extra], s3.env),
    async stats() {
      const result = await runHsync(['server', 'stats', '--data', meta.dataDir, '--json']);
      if (result.code !== 0) throw new Error(`stats: ${result.stderr}`);
      return JSON.parse(result.stdout) as TierStatsJson;
    },
    blockServiceHashes: () => verifiedHashes(join(blocks.dataDir, 'blocks'), (file) => /([0-9a-f]{64})$/.exec(file)?.[1] ?? null),
    s3Hashes: () => verifiedHashes(s3.directory, (file) => /blocks\/([0-9a-f]{64})\._S3rver_object$/.exec(file)?.[1] ?? null),
    async dispose() {
      await meta.dispose();
      await blocks.dispose();
      await s3.stop();
    },
  };
  return cluster;
}
