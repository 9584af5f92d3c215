// A small tmpfs mounted in the temp folder, for tests that need a disk that fills up.

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A `size` (e.g. '3m') tmpfs to fill up, or null (the test skipped) where mounting is not allowed. */
export async function smallDisk(t: TestContext, size = '3m'): Promise<string | null> {
  const mount = await mkdtemp(join(tmpdir(), 'hsync-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount], { stdio: 'ignore' });
    return mount;
  } catch {
    await rm(mount, { recursive: true, force: true });
    t.skip('needs permission to mount a small tmpfs (run as root) to make a full disk');
    return null;
  }
}

/** Unmounts a smallDisk and removes its mount point. */
export async function unmount(mount: string): Promise<void> {
  execFileSync('umount', [mount]);
  await rm(mount, { recursive: true, force: true });
}
