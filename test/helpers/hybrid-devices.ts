// Sync devices for the hybrid end-to-end tests: a folder and a state dir per device, a
// sync run through the real engine and TieredRemote (in this process: a process start
// costs ~2 s here) or as `hsync sync --once` (where the exit status matters), and the
// folder's content as path → SHA-256 to compare devices.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StorageState } from '../../shared/common/sync-api.js';
import { SyncEngine } from '../../shared/node/engine/engine.js';
import { HttpRemote } from '../../shared/node/remote/http-remote.js';
import { TieredRemote } from '../../shared/node/remote/tiered-remote.js';
import { runHsync, type CliResult } from './server-process.js';
import { tempDir } from './temp-dir.js';

export interface Device {
  root: string;
  state: string;
  name: string;
  token: string;
}

export async function device(name: string, token: string): Promise<Device> {
  return { root: tempDir(`hsync-${name}-`), state: tempDir(`hsync-st-${name}-`), name, token };
}

/** `hsync sync --once` as a separate process: what a user runs. */
export function syncCli(serverUrl: string, d: Device): Promise<CliResult> {
  return runHsync(['sync', '--folder', d.root, '--server', serverUrl, '--token', d.token, '--state', d.state, '--device', d.name, '--once']);
}

/** One sync pass with the engine in this process; resolves with the storage state the client ended in. */
export async function syncInProcess(serverUrl: string, d: Device): Promise<{ code: number; stderr: string; mode: string; storage: StorageState }> {
  const http = new HttpRemote(serverUrl, d.token);
  const remote = new TieredRemote(http);
  const engine = new SyncEngine({ root: d.root, stateDir: d.state, remote, device: d.name, watch: false });
  try {
    const outcome = await engine.syncOnce();
    await remote.refreshTierStats();
    return { code: outcome.agreed ? 0 : 1, stderr: outcome.reason ?? '', mode: remote.storage().mode, storage: remote.storage() };
  } finally {
    await engine.stop();
    remote.close();
    http.close();
  }
}

/** Every file under `root` (but .hsync) as relative path → SHA-256 of its bytes. */
export async function tree(root: string, under = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(join(root, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${e.name}` : e.name;
    if (rel === '.hsync') continue;
    if (e.isDirectory()) Object.assign(out, await tree(root, rel));
    else out[rel] = createHash('sha256').update(await readFile(join(root, rel))).digest('hex');
  }
  return out;
}

/** Random files `<prefix>/file-<i>.bin` of the given sizes. */
export async function writeFiles(root: string, prefix: string, sizes: number[]): Promise<void> {
  for (const [i, size] of sizes.entries()) {
    const path = join(root, prefix, `file-${i}.bin`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, randomBytes(size));
  }
}
