// A real case-insensitive disk for tests: a small exFAT image on a loop device, mounted with
// exfat-fuse (Debian's exfat-fuse and exfatprogs). exFAT finds "a.txt" under "A.txt" and keeps
// the case it was given, as NTFS and APFS do. The kernel's own case folding (tmpfs or ext4
// casefold) needs CONFIG_UNICODE, which kernels of this machine kind are built without.

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export interface CaseInsensitiveDisk {
  /** The mounted file system's top folder. */
  readonly dir: string;
  /** Unmounts, frees the loop device and removes the image, whatever state the test left. */
  dispose(): Promise<void>;
}

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();

/** Why the command fails, in one line. */
function reasonOf(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
  return stderr || (error as Error).message;
}

/**
 * A mounted `size` exFAT disk, or null after skipping the test with the reason where this
 * machine cannot mount one (not root, no loop device, the packages missing).
 */
export async function caseInsensitiveDisk(t: TestContext, size = 64 * 1024 * 1024): Promise<CaseInsensitiveDisk | null> {
  const top = await mkdtemp(join(tmpdir(), 'hsync-exfat-'));
  const image = join(top, 'disk.img');
  const dir = join(top, 'mnt');
  let loop: string | null = null;
  let mounted = false;
  const dispose = async () => {
    if (mounted) unmount(dir);
    if (loop !== null) run('losetup', ['-d', loop]);
    await rm(top, { recursive: true, force: true });
  };
  try {
    await writeFile(image, '');
    await truncate(image, size);
    await mkdir(dir);
    run('mkfs.exfat', [image]);
    loop = run('losetup', ['--find', '--show', image]);
    run('mount.exfat-fuse', [loop, dir]);
    mounted = true;
    return { dir, dispose };
  } catch (error) {
    await dispose().catch(() => undefined);
    t.skip(`needs an exFAT disk (root, a loop device, Debian's exfat-fuse and exfatprogs): ${reasonOf(error)}`);
    return null;
  }
}

/** umount; a FUSE mount that is still busy for a moment is detached lazily instead. */
function unmount(dir: string): void {
  try {
    run('umount', [dir]);
  } catch {
    run('umount', ['-l', dir]);
  }
}
