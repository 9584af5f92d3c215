// The in-house server over loopback, a real `hsync server` process with fsync on every
// acknowledged block, driven by the product's own client (HttpRemote):
//   upload  1 GiB as 256 distinct 4 MiB PUTs, 8 in flight  (target ≥ 250 MB/s)
//   batch   10,000 × 4 KiB blocks through the batch route   (target ≥ 5,000 blocks/s)
// Each prints a probe of the disk beside it, since the disk is the limit.

import { randomBytes } from 'node:crypto';
import type { BlockHash } from '../shared/common/blocks.js';
import { blockHashOf } from '../shared/node/blocks/content-hash.js';
import { HttpRemote } from '../shared/node/remote/http-remote.js';
import { startServerProcess } from '../test/helpers/server-process.js';
import { GiB, MiB, mbps, now, type BenchModule, type BenchRow } from './bench.js';
import { ddProbe, smallFileProbe } from './disk-probe.js';
import { cpuTimes } from './proc-stats.js';

const IN_FLIGHT = 8;

/** A server process on a temp data dir, a user, and a client; everything removed after. */
async function withServer<T>(body: (remote: HttpRemote, pid: number) => Promise<T>): Promise<T> {
  const server = await startServerProcess();
  const remote = new HttpRemote(server.url, await server.addUser('bench'), { maxSockets: IN_FLIGHT });
  try {
    return await body(remote, server.pid);
  } finally {
    remote.close();
    const code = await server.stop();
    await server.dispose();
    if (code !== 0) throw new Error(`server exited with ${code}: ${server.stderr()}`);
  }
}

/** `count` distinct blocks of `size` bytes: one random base, a different head each. */
function makeBlocks(count: number, size: number): { hash: BlockHash; bytes: Buffer }[] {
  const base = randomBytes(size);
  return Array.from({ length: count }, () => {
    const bytes = Buffer.from(base);
    randomBytes(Math.min(16, size)).copy(bytes, 0);
    return { hash: blockHashOf(bytes), bytes };
  });
}

export const uploadBench: BenchModule = {
  name: 'upload',
  summary: '1 GiB as 4 MiB PUTs to a server process over loopback, fsync per block',
  async run(): Promise<BenchRow[]> {
    const disk = await ddProbe();
    const blocks = makeBlocks(GiB / (4 * MiB), 4 * MiB);
    let cpu = { user: 0, system: 0 };
    const ms = await withServer(async (remote, pid) => {
      let next = 0;
      const before = await cpuTimes(pid);
      const start = now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < blocks.length) {
            const b = blocks[next++];
            await remote.putBlock(b.hash, b.bytes);
          }
        }),
      );
      const elapsed = now() - start;
      const after = await cpuTimes(pid);
      cpu = { user: after.user - before.user, system: after.system - before.system };
      const missing = await remote.missingBlocks(blocks.map((b) => b.hash));
      if (missing.length > 0) throw new Error(`upload bench: server lacks ${missing.length} acknowledged blocks`);
      return elapsed;
    });
    const rate = mbps(GiB, ms);
    return [
      { figure: 'disk probe: 512 MiB write + fdatasync (dd-style)', value: disk, unit: 'MB/s', context: 'this disk\'s limit' },
      {
        figure: `upload 1 GiB as 4 MiB PUTs, ${IN_FLIGHT} in flight`,
        value: rate,
        unit: 'MB/s',
        context: `${((rate / disk) * 100).toFixed(0)} % of the disk probe; target ≥ 250 MB/s`,
        ok: rate >= 250,
      },
      {
        figure: 'server CPU for those 1 GiB of PUTs',
        value: cpu.user + cpu.system,
        unit: 's',
        context: `user ${cpu.user.toFixed(2)} s, system ${cpu.system.toFixed(2)} s; its one SHA-256 of 1 GiB is ~0.6 s`,
      },
    ];
  },
};

export const batchBench: BenchModule = {
  name: 'batch',
  summary: '10,000 × 4 KiB blocks through the batch route',
  async run(): Promise<BenchRow[]> {
    const probe = await smallFileProbe();
    const blocks = makeBlocks(10_000, 4096);
    const ms = await withServer(async (remote) => {
      const start = now();
      await remote.putBlocks(blocks);
      const elapsed = now() - start;
      const missing = await remote.missingBlocks(blocks.map((b) => b.hash));
      if (missing.length > 0) throw new Error(`batch bench: server lacks ${missing.length} acknowledged blocks`);
      return elapsed;
    });
    const rate = blocks.length / (ms / 1000);
    return [
      { figure: 'disk probe: 4 KiB files created with fsync + rename', value: probe, unit: 'files/s', context: 'one file per block would cap here' },
      { figure: '10,000 × 4 KiB via POST /v1/blocks/batch', value: rate, unit: 'blocks/s', context: 'target ≥ 5,000 blocks/s', ok: rate >= 5000 },
    ];
  },
};
