// A real `hsync sync` process for the end-to-end benches: its own temp folder and state dir,
// its control API, and a stop that removes both folders.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectControl } from '../shared/node/api-bridge/control-client.js';
import type { SyncApi } from '../shared/common/sync-api.js';
import { hsyncNodeArgs, type ServerProcess } from '../test/helpers/server-process.js';

const HSYNC = join(import.meta.dirname, '..', 'bin', 'hsync.js');

export interface Daemon {
  name: string;
  folder: string;
  state: string;
  child: ChildProcess;
  api: SyncApi;
  stop(): Promise<void>;
}

/** Polls `check` every `stepMs` until it holds; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Starts `hsync sync` on a new empty folder and resolves once its first sync is done. */
export async function startDaemon(server: ServerProcess, token: string, name: string, folder?: string): Promise<Daemon> {
  folder ??= await mkdtemp(join(tmpdir(), `hsync-bench-${name}-`));
  const state = await mkdtemp(join(tmpdir(), `hsync-bench-state-${name}-`));
  const child = spawn(process.execPath, [...hsyncNodeArgs(), HSYNC, 'sync', '--folder', folder, '--state', state, '--server', server.url, '--device', name], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, HSYNC_TOKEN: token },
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (/^syncing /m.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}`)));
  });
  const api = await connectControl(state);
  return {
    name,
    folder,
    state,
    child,
    api,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(folder, { recursive: true, force: true });
      await rm(state, { recursive: true, force: true });
    },
  };
}

/** Resolves once `daemon` has finished a sync cycle. */
export async function firstSync(daemon: Daemon, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await daemon.api.getStatus().catch(() => null))?.lastSyncedAt != null, timeoutMs, 50);
}
