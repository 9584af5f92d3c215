// Hashing a 1 GiB file with hashFile (the engine's chunker: 4 MiB blocks, reads overlapped
// with hashing) against node:crypto's single-core SHA-256 rate over memory, in the same run.
// Target: ≥ 90 % of the single-core rate, so hashing never limits a sync.

import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { hashFile } from '../shared/node/blocks/chunker.js';
import { GiB, MiB, mbps, now, withTempDir, type BenchModule, type BenchRow } from './bench.js';

/** node:crypto SHA-256 over `bytes` of memory in 4 MiB updates, one core. */
function cryptoRate(source: Buffer, bytes: number): number {
  const start = now();
  const hash = createHash('sha256');
  for (let done = 0; done < bytes; done += source.length) hash.update(source);
  hash.digest();
  return mbps(bytes, now() - start);
}

export const hashBench: BenchModule = {
  name: 'hash',
  summary: 'hashFile on a 1 GiB file vs node:crypto single-core SHA-256',
  async run(): Promise<BenchRow[]> {
    return withTempDir('hsync-hash-', async (dir) => {
      // 64 MiB of random bytes written 16 times: SHA-256 runs the same whatever repeats.
      const source = randomBytes(64 * MiB);
      const path = join(dir, 'one-gib');
      const handle = await open(path, 'w');
      for (let i = 0; i < GiB / source.length; i++) await handle.write(source);
      await handle.close();

      cryptoRate(source, 256 * MiB); // warm-up
      const single = cryptoRate(source, GiB);
      await hashFile(path); // warm the page cache, so the figure is hashing, not the disk
      const start = now();
      const result = await hashFile(path);
      const rate = mbps(result.size, now() - start);
      const afterSingle = cryptoRate(source, GiB);
      const reference = Math.max(single, afterSingle);
      return [
        { figure: 'node:crypto SHA-256, 1 core (memory)', value: reference, unit: 'MB/s', context: 'this machine\'s single-core limit' },
        {
          figure: 'hashFile, 1 GiB file (page cache)',
          value: rate,
          unit: 'MB/s',
          context: `${((rate / reference) * 100).toFixed(0)} % of single core; target ≥ 90 %`,
          ok: rate >= 0.9 * reference,
        },
      ];
    });
  },
};
