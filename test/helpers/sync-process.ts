// A running `hsync sync` process, for tests that talk to it as a user would (`hsync status`,
// `pause`, `resume`): started in its own temp folder and state dir with the token in
// HSYNC_TOKEN, its stderr kept for failure messages, stopped with SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { HttpRemote } from '../../shared/node/remote/http-remote.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { removeDirs } from './sync-client.js';

const HSYNC = join(import.meta.dirname, '..', '..', 'bin', 'hsync.js');

export interface SyncProcess {
  folder: string;
  state: string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Two new temp folders (the synced folder and the state dir), named after `name`. */
export async function syncFolders(name: string): Promise<{ folder: string; state: string }> {
  const [folder, state] = await Promise.all(['folder', 'state'].map((n) => mkdtemp(join(tmpdir(), `hsync-${name}-${n}-`))));
  return { folder, state };
}

/**
 * A real `hsync server` for the test file (started in before(), stopped in after()) and
 * temp folders made by `folders` (syncFolders), removed after the file's tests.
 */
export function processFixture(): { readonly server: ServerProcess; folders(name: string): Promise<{ folder: string; state: string }> } {
  let server: ServerProcess | undefined;
  const dirs: string[] = [];
  before(async () => {
    server = await startServerProcess();
  });
  after(async () => {
    await removeDirs(...dirs);
    await server?.dispose();
  });
  return {
    get server() {
      if (!server) throw new Error('the fixture server starts in before()');
      return server;
    },
    async folders(name) {
      const made = await syncFolders(name);
      dirs.push(made.folder, made.state);
      return made;
    },
  };
}

export function startSyncProcess(serverUrl: string, token: string, device: string, dirs: { folder: string; state: string }): SyncProcess {
  const child = spawn(process.execPath, [HSYNC, 'sync', '--folder', dirs.folder, '--state', dirs.state, '--server', serverUrl, '--device', device], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HSYNC_TOKEN: token },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    ...dirs,
    stderr: () => stderr,
    exited,
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Waits until the server's live tree holds `path` (20 s at most). */
export async function untilOnServer(remote: HttpRemote, path: string, client: SyncProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await remote.list(0).catch(() => ({ entries: [] as { path: string }[] }))).entries.some((e) => e.path === path)) {
    if (Date.now() > deadline) throw new Error(`"${path}" never reached the server: ${client.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
