// Probes of this disk's state, printed next to the server figures: a dd-style sequential
// write ended by fdatasync (dd bs=4M conv=fdatasync), and small-file creation with fsync
// (this disk slows down for minutes after mass deletes, so the figure says which state it was in).

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MiB, mbps, now, withTempDir } from './bench.js';

/** MB/s writing `totalMiB` in 4 MiB writes, then one fdatasync, like dd conv=fdatasync. */
export async function ddProbe(totalMiB = 512): Promise<number> {
  return withTempDir('hsync-dd-', async (dir) => {
    const chunk = randomBytes(4 * MiB);
    const path = join(dir, 'probe');
    const start = now();
    const handle = await open(path, 'w');
    try {
      for (let written = 0; written < totalMiB * MiB; written += chunk.length) await handle.write(chunk);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    const ms = now() - start;
    await rm(path);
    return mbps(totalMiB * MiB, ms);
  });
}

/** Files/s creating `count` 4 KiB files one per request would: write, fsync, rename, all in parallel. */
export async function smallFileProbe(count = 1000): Promise<number> {
  return withTempDir('hsync-files-', async (dir) => {
    const data = randomBytes(4096);
    await mkdir(join(dir, 'in'));
    const start = now();
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const handle = await open(join(dir, `t${i}`), 'w');
        await handle.write(data);
        await handle.datasync();
        await handle.close();
        await rename(join(dir, `t${i}`), join(dir, 'in', `f${i}`));
      }),
    );
    return count / ((now() - start) / 1000);
  });
}
