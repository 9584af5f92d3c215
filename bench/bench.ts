// What every benchmark module provides, and small helpers they share.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One line of the results table: a figure, and this machine's limit (or the target) beside it. */
export interface BenchRow {
  figure: string;
  value: number;
  unit: string;
  /** e.g. "target ≥ 250 MB/s" or "disk fdatasync 360 MB/s" */
  context: string;
  /** false when a target is missed; undefined when there is no target. */
  ok?: boolean;
}

export interface BenchModule {
  name: string;
  summary: string;
  /** `flags`: the `--` options given after the names (`npm run bench -- peers --join5g`). */
  run(flags?: string[]): Promise<BenchRow[]>;
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** MB/s (decimal megabytes, as disks and dd report them). */
export function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

export const now = (): number => performance.now();

/** The value after `--name` on a bench script's command line, or `fallback`. */
export function scriptArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** Runs `body` with a fresh temp dir under os.tmpdir(), removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
