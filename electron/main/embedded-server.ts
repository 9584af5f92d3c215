// The in-house server the app uses while no server URL is set: `hsync server` as a child
// process on a free loopback port, stopped on quit. Which process runs it (an Electron
// utility process in a packaged app, the system's Node from a checkout) is decided by
// server-launch.ts and comes in as `run`. The user and its token are made once and kept
// in the settings file.

import type { ChildProcess } from 'node:child_process';
import { SyncError } from '../../shared/common/errors.js';

/** One running `hsync` process, whichever way it was started (server-runner.ts). */
export interface HsyncChild {
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  onExit(listener: (code: number | null) => void): void;
  /** It could not be started at all (no such program). */
  onError(listener: (error: Error) => void): void;
  /** Asks it to stop (SIGTERM: the server finishes what is in flight). */
  stop(): void;
}

/** Starts `hsync ARGS`. */
export type HsyncRun = (args: string[]) => HsyncChild;

export interface EmbeddedServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  run: HsyncRun;
  dataDir: string;
  /** The token made on an earlier run, or '' to make one now. */
  token: string;
  userName: string;
  saveToken(token: string): void;
}

const START_TIMEOUT_MS = 30_000;

export async function startEmbeddedServer(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  let token = opts.token;
  if (!token) {
    // Before the server starts: on the wasm driver one process at a time opens the data.
    const added = await finished(opts.run(['server', 'user', 'add', opts.userName, '--data', opts.dataDir]));
    token = added.stdout.trim();
    if (added.code !== 0 || !token) {
      const reason = added.error?.message ?? lastLine(added.stderr);
      throw new SyncError('unavailable', `start embedded server: could not create the local user (${reason}); set a server URL in Preferences`);
    }
    opts.saveToken(token);
  }
  const child = opts.run(['server', '--data', opts.dataDir, '--port', '0']);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.onExit(() => {
      exited = true;
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new SyncError('unavailable', 'start embedded server: no answer within 30 s')), START_TIMEOUT_MS);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /^listening (http:\/\/\S+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.onError((error) => {
      clearTimeout(timer);
      reject(new SyncError('unavailable', `start embedded server: ${error.message} (Node.js is needed for the embedded server from a checkout; or set a server URL in Preferences)`, { cause: error }));
    });
    child.onExit((code) => {
      clearTimeout(timer);
      reject(new SyncError('unavailable', `start embedded server: exited with ${code}: ${lastLine(err)}`));
    });
  });
  return {
    url,
    token,
    async close() {
      if (!exited) child.stop();
      await exit;
    },
  };
}

/** A Node child process as an HsyncChild */
export function fromChildProcess(child: ChildProcess): HsyncChild {
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    // 'close': its output has been read to the end.
    onExit: (listener) => void child.once('close', (code) => listener(code)),
    onError: (listener) => void child.once('error', listener),
    stop: () => void child.kill('SIGTERM'),
  };
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** Waits for a short-lived `hsync` run and collects what it printed. */
function finished(child: HsyncChild): Promise<Finished> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.onError((error) => resolve({ code: null, stdout, stderr, error }));
    child.onExit((code) => resolve({ code, stdout, stderr }));
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
