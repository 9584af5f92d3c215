// Runs the real `hsync server` as a child process on 127.0.0.1, port 0, for integration
// tests: start, add users, stop (SIGTERM), kill -9, and restart on the same data dir.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HSYNC = join(ROOT, 'bin', 'hsync.js');
const START_TIMEOUT_MS = 20_000;


export interface ServerProcess {
  /** http://127.0.0.1:PORT of the running process (changes on restart). */
  url: string;
  dataDir: string;
  pid: number;
  /** `hsync server user add NAME`: resolves with the token it printed. */
  addUser(name: string): Promise<string>;
  /** SIGTERM; resolves with the exit code (null if a signal ended it). */
  stop(): Promise<number | null>;
  /** SIGKILL (kill -9); resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts again on the same data dir (stopping first if running); updates url and pid. */
  restart(): Promise<void>;
  /** Kills the process if running and deletes the data dir if this helper made it. */
  dispose(): Promise<void>;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
}

export interface ServerProcessOptions {
  dataDir?: string;
  env?: Record<string, string>;
  /** Extra arguments after `server --data DIR --port 0`. */
  args?: string[];
  /** The process umask (e.g. 0 to check modes); also for `user add`. Default: inherited. */
  umask?: number;
}

/** Output of a finished `hsync` run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Node flags for every `hsync` process a test or bench starts: with HSYNC_CPU_PROF=DIR set,
 * each one writes a V8 CPU profile into DIR when it exits (NODE_OPTIONS refuses --cpu-prof).
 */
export function hsyncNodeArgs(): string[] {
  const dir = process.env.HSYNC_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** `node bin/hsync.js ARGS` as a child process, under `umask` when given (through sh). */
function spawnHsync(args: string[], env: Record<string, string>, umask?: number): ChildProcess {
  const argv = [process.execPath, ...hsyncNodeArgs(), HSYNC, ...args];
  const options = { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  if (umask === undefined) return spawn(argv[0], argv.slice(1), options);
  return spawn('/bin/sh', ['-c', `umask ${umask.toString(8).padStart(3, '0')} && exec "$@"`, 'sh', ...argv], options);
}

/** Runs `node bin/hsync.js ARGS` to completion. */
export function runHsync(args: string[], env: Record<string, string> = {}, umask?: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnHsync(args, env, umask);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function startServerProcess(opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'hsync-server-')));
  let child: ChildProcess | null = null;
  let exited: Promise<number | null> = Promise.resolve(null);
  let errText = '';

  const launch = async (): Promise<void> => {
    const proc = spawnHsync(['server', '--data', dataDir, '--port', '0', ...(opts.args ?? [])], opts.env ?? {}, opts.umask);
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.stderr!.on('data', (d: Buffer) => (errText += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`hsync server did not print "listening" within ${START_TIMEOUT_MS} ms; stderr: ${errText}`));
      }, START_TIMEOUT_MS);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /^listening (http:\/\/\S+)\n/m.exec(out);
        if (m) {
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          resolve(m[1]);
        }
      };
      proc.stdout!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`hsync server exited with ${code} before listening; stderr: ${errText}`));
      });
    });
    handle.url = url;
    handle.pid = proc.pid!;
  };

  const running = () => child !== null && child.exitCode === null && child.signalCode === null;

  const handle: ServerProcess = {
    url: '',
    dataDir,
    pid: 0,
    async addUser(name) {
      const result = await runHsync(['server', 'user', 'add', name, '--data', dataDir], {}, opts.umask);
      if (result.code !== 0) throw new Error(`hsync server user add ${name}: exit ${result.code}: ${result.stderr.trim()}`);
      return result.stdout.trim();
    },
    async stop() {
      if (!running()) return exited;
      child!.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (!running()) return;
      child!.kill('SIGKILL');
      await exited;
    },
    async restart() {
      if (running()) await handle.stop();
      await launch();
    },
    async dispose() {
      await handle.kill();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
    stderr: () => errText,
  };
  await launch();
  return handle;
}
