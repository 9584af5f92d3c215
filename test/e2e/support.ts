// Real processes for the browser journeys: `npm start`'s headless client, `hsync sync` with
// its web UI, one-shot second clients, and helpers to compare what ended up on disk.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { runHsync, type CliResult } from '../helpers/server-process.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface UiProcess {
  uiUrl: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns a client that prints `ui <url>`, and resolves once it has. */
export function startUiProcess(args: string[], env: Record<string, string> = {}): Promise<UiProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  return new Promise((resolveUi, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ui" line within 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = /^ui (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolveUi({ uiUrl: match[1], child, output: () => out, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`client exited with ${code} before printing "ui":\n${out}`));
    });
  });
}

/** `hsync sync --once` as a second device: pulls what the server has into `folder`. */
export async function syncOnce(folder: string, server: string, token: string, device: string, state: string): Promise<CliResult> {
  await mkdir(folder, { recursive: true }); // a new device starts from an empty folder it made
  return runHsync(['sync', '--once', '--folder', folder, '--server', server, `--token=${token}`, '--device', device, '--state', state]);
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

export async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

/** A loopback port that was free a moment ago, so a server can come back on the same address. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Deterministic bytes, so a file spans several 4 MiB blocks without random input. */
export function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const at = (...parts: string[]) => join(...parts);

/** The Electron binary for Playwright's Electron mode, or why there is none. */
export function electronBinary(): { path: string | null; reason: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path, reason: '' };
    return { path: null, reason: `no Electron binary at ${String(path)}` };
  } catch {
    return { path: null, reason: 'no Electron binary installed (the electron package was installed without its download, as on CI machines)' };
  }
}
