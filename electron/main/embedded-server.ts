// The in-house server the app uses while no server URL is set. The server keeps its
// metadata in better-sqlite3, a native module built for Node, which Electron's own runtime
// cannot load without a rebuild for its ABI; so the app runs `hsync server` under the
// system's Node as a child process on a free loopback port, and stops it on quit. The user
// and its token are made once and kept in the settings file.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SyncError } from '../../shared/common/errors.js';

const exec = promisify(execFile);

export interface EmbeddedServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  appPath: string;
  dataDir: string;
  /** The token made on an earlier run, or '' to make one now. */
  token: string;
  userName: string;
  saveToken(token: string): void;
}

function nodeCommand(): string {
  return process.env.HSYNC_NODE || 'node';
}

export async function startEmbeddedServer(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const hsync = join(opts.appPath, 'bin', 'hsync.js');
  let token = opts.token;
  if (!token) {
    try {
      const { stdout } = await exec(nodeCommand(), [hsync, 'server', 'user', 'add', opts.userName, '--data', opts.dataDir]);
      token = stdout.trim();
    } catch (error) {
      throw new SyncError('unavailable', `start embedded server: could not create the local user (${(error as Error).message.split('\n')[0]}); set a server URL in Preferences`, { cause: error });
    }
    opts.saveToken(token);
  }
  const child = spawn(nodeCommand(), [hsync, 'server', '--data', opts.dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new SyncError('unavailable', 'start embedded server: no answer within 30 s')), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /^listening (http:\/\/\S+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new SyncError('unavailable', `start embedded server: ${error.message} (Node.js is needed for the embedded server; or set a server URL in Preferences)`, { cause: error }));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new SyncError('unavailable', `start embedded server: exited with ${code}: ${err.trim().split('\n').pop() ?? ''}`));
    });
  });
  return { url, token, close: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
