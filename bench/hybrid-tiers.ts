// Hybrid-storage figures, all in one run on this machine (127.0.0.1 only):
//   1. s3rver's own PUT ceiling: 4 MiB objects straight from the AWS SDK, 8 in flight;
//   2. 1 GiB of 4 MiB blocks uploaded by the client through the in-house tier;
//   3. the same GiB (new bytes) through the S3 tier — the client's fallback path:
//      presigned URLs from the metadata service, PUT to S3, confirm — with the block
//      service dead, so it is the path a real outage takes;
//   4. the time from the block service dying (kill -9) to the client's next block stored;
//   5. repatriation of the S3-held GiB back in-house, MB/s;
//   6. 10,000 small blocks into an s3-placement namespace (target ≤ 4 s);
//   7. the same GiB (new bytes) through an in-house tier on a Ceph cluster, beside RGW's own
//      PUT ceiling (bench/ceph-tier.ts; skipped, and said so, without Debian's Ceph).
// Run: node --import tsx bench/hybrid-tiers.ts [--mib N] [--small | --ceph]
//   --mib N   size of the 4 MiB-block runs (default 1024)
//   --small   only figure 6 (and its read-back check): the quick run for small-block work
//   --ceph    only figures 2 and 7: the built-in block service against the Ceph tier

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockHash } from '../shared/common/blocks.js';
import { HttpRemote } from '../shared/node/remote/http-remote.js';
import { TieredRemote } from '../shared/node/remote/tiered-remote.js';
import { s3ConfigFrom } from '../server/tiers/s3-config.js';
import { S3Tier } from '../server/tiers/s3-tier.js';
import { freePort } from '../test/helpers/hybrid-cluster.js';
import { cephFigures } from './ceph-tier.js';
import { runHsync, startServerProcess } from '../test/helpers/server-process.js';
import { S3RVER_CREDENTIALS, startS3rver } from '../test/helpers/s3rver.js';

const MiB = 1024 * 1024;
const argIndex = process.argv.indexOf('--mib');
const totalMiB = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 1024;
const count = Math.max(1, Math.floor(totalMiB / 4));
const smallOnly = process.argv.includes('--small');
const cephOnly = process.argv.includes('--ceph');
Object.assign(process.env, S3RVER_CREDENTIALS);

interface Block {
  hash: BlockHash;
  bytes: Buffer;
}

/** `count` distinct 4 MiB blocks: one random base, a different 16-byte head each (cheap to make). */
function makeBlocks(seed: Buffer): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.from(seed);
    randomBytes(16).copy(bytes, 0);
    out.push({ hash: createHash('sha256').update(bytes).digest('hex') as BlockHash, bytes });
  }
  return out;
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const rate = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
const line = (label: string, ms: number, bytes: number, note = '') =>
  console.log(`${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${rate(bytes, ms).padStart(10)}${note ? `  ${note}` : ''}`);

async function main(): Promise<void> {
  const seed = randomBytes(4 * MiB);
  const bytesTotal = count * 4 * MiB;
  console.log(`hybrid tiers: ${count} blocks of 4 MiB (${(bytesTotal / MiB).toFixed(0)} MiB) per run, 8 in flight`);
  const s3 = await startS3rver();
  const secretFile = join(await mkdtemp(join(tmpdir(), 'hsync-bench-key-')), 'block.key');
  const port = await freePort();
  const blocks = await startServerProcess({ args: ['--role', 'blocks', '--secret-file', secretFile, '--port', String(port)] });
  const meta = await startServerProcess({
    env: s3.env,
    args: ['--role', 'meta', '--block-service', blocks.url, '--secret-file', secretFile, ...s3.flags, '--repatriate-every-sec', '0', '--scrub-rate-mb', '0'],
  });
  try {
    if (smallOnly) {
      await smallBlocks(meta.url, await meta.addUser('eu'), meta.dataDir);
      return;
    }
    const token = await meta.addUser('bench');
    const http = new HttpRemote(meta.url, token, { maxSockets: 8 });
    const remote = new TieredRemote(http, { concurrency: 8 });
    const ceph = (builtInMs: number) => cephFigures({ makeBlocks: () => makeBlocks(seed), builtInMs, pool, line });
    if (cephOnly) {
      await ceph(await inhouseRun(remote, seed, bytesTotal));
      remote.close();
      http.close();
      return;
    }
    // 1. s3rver's ceiling with the SDK.
    const tier = new S3Tier(s3ConfigFrom({ 's3-endpoint': s3.endpoint, 's3-region': s3.region, 's3-bucket': s3.bucket, 's3-prefix': 'ceiling', 's3-path-style': true })!);
    const ceilingSet = makeBlocks(seed);
    let t = performance.now();
    await pool(ceilingSet, 8, (b) => tier.put(b.hash, b.bytes));
    const ceilingMs = performance.now() - t;
    line('s3rver PUT ceiling (SDK, direct)', ceilingMs, bytesTotal);
    // s3rver's ceiling for small objects: 10,000 × 4 KiB PUTs straight from the SDK.
    const tinyCeiling = Array.from({ length: 10_000 }, () => {
      const bytes = randomBytes(4096);
      return { hash: createHash('sha256').update(bytes).digest('hex') as BlockHash, bytes };
    });
    t = performance.now();
    await pool(tinyCeiling, 8, (b) => tier.put(b.hash, b.bytes));
    const tinyCeilingMs = performance.now() - t;
    console.log(`${'s3rver PUT ceiling, 10,000 × 4 KiB (SDK)'.padEnd(44)} ${(tinyCeilingMs / 1000).toFixed(2).padStart(7)} s  ${Math.round(10_000 / (tinyCeilingMs / 1000)).toString().padStart(6)} objects/s`);
    tier.close();

    const inhouseMs = await inhouseRun(remote, seed, bytesTotal);

    // 4. Outage: kill -9 the block service between two uploads; time to the next stored block.
    const probe = makeBlocks(seed).slice(0, 1);
    await blocks.kill();
    const killedAt = performance.now();
    await remote.putBlock(probe[0].hash, probe[0].bytes);
    const recoveryMs = performance.now() - killedAt;

    // 3. S3 tier, the fallback path, with the service dead.
    const s3Set = makeBlocks(seed);
    t = performance.now();
    // As the engine's uploader does: 4 MiB blocks one per request, several in flight.
    await pool(s3Set, 8, (b) => remote.putBlock(b.hash, b.bytes));
    const s3Ms = performance.now() - t;
    line('client → S3 tier (fallback: presign, PUT, confirm)', s3Ms, bytesTotal, `${remote.storage().detail}; ${(s3Ms / ceilingMs).toFixed(2)}× the s3rver ceiling`);
    console.log(`${'block service killed → next block stored'.padEnd(44)} ${(recoveryMs / 1000).toFixed(3).padStart(7)} s  (target ≤ 5 s)`);

    // 6. 10,000 small blocks (4 KiB) for an s3-placement namespace.
    await smallBlocks(meta.url, await meta.addUser('eu'), meta.dataDir);

    // 5. Repatriation with the block service back.
    await blocks.restart();
    const repatriate = await runHsync(
      ['server', 'repatriate', '--once', '--json', '--data', meta.dataDir, ...s3.flags, '--block-service', blocks.url, '--secret-file', secretFile, '--grace-sec', '0'],
      s3.env,
    );
    if (repatriate.code !== 0) throw new Error(`repatriate: ${repatriate.stderr}`);
    const r = JSON.parse(repatriate.stdout) as { copied: number; bytes: number; ms: number; swept: number };
    line(`repatriation (${r.copied} blocks home, ${r.swept} swept)`, r.ms, r.bytes);
    // 7. The Ceph in-house tier, against figure 2.
    await ceph(inhouseMs);
    remote.close();
    http.close();
  } finally {
    await meta.dispose();
    await blocks.dispose();
    await s3.stop();
  }
}

/** 2. In-house tier: signed URLs on the block service (split mode); returns the time, ms. */
async function inhouseRun(remote: TieredRemote, seed: Buffer, bytesTotal: number): Promise<number> {
  const inhouseSet = makeBlocks(seed);
  const t = performance.now();
  await pool(inhouseSet, 8, (b) => remote.putBlock(b.hash, b.bytes));
  const inhouseMs = performance.now() - t;
  line('client → in-house tier (split, signed URLs)', inhouseMs, bytesTotal, remote.storage().mode);
  return inhouseMs;
}

/**
 * 6. 10,000 small blocks (4 KiB) for an s3-placement namespace: the batch route, packed
 * into S3 by the server. Then every block is read back through the server and compared,
 * so the figure is never for bytes that did not arrive.
 */
async function smallBlocks(url: string, token: string, dataDir: string): Promise<void> {
  const placed = await runHsync(['server', 'namespace', 'set-placement', 'eu', 's3', '--data', dataDir]);
  if (placed.code !== 0) throw new Error(`set-placement: ${placed.stderr}`);
  const eu = new HttpRemote(url, token);
  const small = Array.from({ length: 10_000 }, () => {
    const bytes = randomBytes(4096);
    return { hash: createHash('sha256').update(bytes).digest('hex') as BlockHash, bytes };
  });
  const t = performance.now();
  await eu.putBlocks(small);
  const smallMs = performance.now() - t;
  console.log(`${'10,000 × 4 KiB blocks → S3 (s3 placement)'.padEnd(44)} ${(smallMs / 1000).toFixed(2).padStart(7)} s  ${Math.round(10_000 / (smallMs / 1000)).toString().padStart(6)} blocks/s  (target ≤ 4 s)`);
  // Read every block back through the multi-block route (a pack run per ranged S3 GET),
  // 2,000 per request as a downloading client asks, and compare the bytes.
  const r = performance.now();
  for (let start = 0; start < small.length; start += 2000) {
    const chunk = small.slice(start, start + 2000);
    const got = await eu.getBlocks(chunk.map((b) => b.hash));
    for (const b of chunk) {
      const bytes = got.get(b.hash) ?? (await eu.getBlock(b.hash));
      if (!bytes.equals(b.bytes)) throw new Error(`read back block ${b.hash}: bytes differ`);
    }
  }
  const readMs = performance.now() - r;
  console.log(`${'  read back from S3 packs, byte-exact'.padEnd(44)} ${(readMs / 1000).toFixed(2).padStart(7)} s  ${Math.round(10_000 / (readMs / 1000)).toString().padStart(6)} blocks/s`);
  eu.close();
}

await main();
