// The fuzz run's devices: `hsync sync` processes of the built CLI, each with its folder,
// state dir and token file in temp folders, that can be killed (-9) and started again on
// the same state.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HSYNC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'hsync.js');
const LOG_TAIL = 20_000;

export interface Client {
  name: string;
  root: string;
  state: string;
  start(): void;
  /** kill -9; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  running(): boolean;
  /** The tail of what the process printed (stdout and stderr), across restarts. */
  log(): string;
  dispose(): Promise<void>;
}

export async function makeClient(name: string, serverUrl: string, token: string): Promise<Client> {
  const home = await mkdtemp(join(tmpdir(), `hsync-fuzz-${name}-`));
  const root = join(home, 'folder');
  const state = join(home, 'state');
  const tokenFile = join(home, 'token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  await mkdir(root);
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  const append = (d: Buffer) => {
    log = (log + d.toString()).slice(-LOG_TAIL);
  };
  const running = () => child !== null && child.exitCode === null && child.signalCode === null;
  const client: Client = {
    name,
    root,
    state,
    start() {
      if (running()) return;
      const proc = spawn(process.execPath, [HSYNC, 'sync', '--folder', root, '--server', serverUrl, '--token-file', tokenFile, '--state', state, '--device', name], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, XDG_STATE_HOME: join(home, 'xdg') },
      });
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      proc.stdout!.on('data', append);
      proc.stderr!.on('data', append);
      append(Buffer.from(`--- start pid ${proc.pid}\n`));
    },
    async kill() {
      if (!running()) return;
      child!.kill('SIGKILL');
      await exited;
      append(Buffer.from('--- killed -9\n'));
    },
    async stop() {
      if (!running()) return;
      child!.kill('SIGTERM');
      await exited;
    },
    running,
    log: () => log,
    async dispose() {
      await client.kill();
      await rm(home, { recursive: true, force: true });
    },
  };
  return client;
}
