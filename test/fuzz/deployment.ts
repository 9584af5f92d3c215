// The servers a fuzz run talks to, each behind the fault proxy: one `hsync server`
// process, or the split deployment (`--role meta` + `--role blocks`, s3rver as the S3
// tier). Faults act on it: kill -9 and restart, block service or S3 down, a bit flipped in
// a stored block file.

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort } from '../helpers/hybrid-cluster.js';
import { startS3rver, type S3rverPeer } from '../helpers/s3rver.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startProxy, type Proxy } from './proxy.js';

export interface Deployment {
  split: boolean;
  /** The server the clients see (single process, or the metadata service). */
  main: ServerProcess;
  /** One proxy per client in front of `main`. */
  proxies: Proxy[];
  token: string;
  killMain(downMs: number): Promise<void>;
  /** The block service (split) or every client's connection (single) unreachable for a while. */
  blocksDown(downMs: number): Promise<void>;
  s3Down(downMs: number): Promise<void>;
  /**
   * Flips one bit of one stored block file (loose block or pack, chosen by `pick`): names
   * the file and the block whose bytes went bad (null when the bit fell outside any block),
   * or null when nothing is stored yet.
   */
  flipBit(pick: number, bit: number): Promise<{ file: string; block: string | null } | null>;
  /** Everything the server processes wrote to stderr. */
  stderr(): string;
  dispose(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const portOf = (url: string) => Number(new URL(url).port);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full); // loose blocks and packs; temp files live outside blocks/
  }
  return out.sort();
}

/** The block whose bytes sit at `offset` of `file` (a loose block is named by its hash; a pack is looked up). */
function blockAt(dataDir: string, file: string, offset: number): string | null {
  const name = basename(file);
  if (/^[0-9a-f]{64}$/.test(name)) return name;
  const db = new Database(join(dataDir, 'server.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT hash FROM blocks WHERE pack = ? AND pack_offset <= ? AND pack_offset + size > ?').get(name, offset, offset) as { hash: string } | undefined;
    return row?.hash ?? null;
  } finally {
    db.close();
  }
}

export async function startDeployment(split: boolean, clients: number): Promise<Deployment> {
  let s3: S3rverPeer | null = null;
  let s3Proxy: Proxy | null = null;
  let blocks: ServerProcess | null = null;
  let blocksProxy: Proxy | null = null;
  let keyDir: string | null = null;
  let main: ServerProcess;
  if (split) {
    s3 = await startS3rver();
    s3Proxy = await startProxy(portOf(s3.endpoint));
    keyDir = await mkdtemp(join(tmpdir(), 'hsync-fuzz-key-'));
    const secretFile = join(keyDir, 'block.key');
    blocks = await startServerProcess({ args: ['--role', 'blocks', '--secret-file', secretFile, '--port', String(await freePort())] });
    blocksProxy = await startProxy(portOf(blocks.url));
    const s3Flags = s3.flags.map((f) => (f === s3!.endpoint ? s3Proxy!.url : f));
    main = await startServerProcess({
      env: s3.env,
      args: ['--role', 'meta', '--block-service', blocksProxy.url, '--secret-file', secretFile, ...s3Flags, '--repatriate-every-sec', '2', '--grace-sec', '0'],
    });
  } else {
    main = await startServerProcess();
  }
  const token = await main.addUser('fuzz');
  const proxies: Proxy[] = [];
  for (let i = 0; i < clients; i++) proxies.push(await startProxy(portOf(main.url)));
  const blockDir = () => join((blocks ?? main).dataDir, 'blocks');

  return {
    split,
    main,
    proxies,
    token,
    async killMain(downMs) {
      await main.kill();
      await sleep(downMs);
      await main.restart();
      for (const p of proxies) p.retarget(portOf(main.url));
    },
    async blocksDown(downMs) {
      if (blocks) {
        await blocks.kill();
        await sleep(downMs);
        await blocks.restart();
        blocksProxy!.retarget(portOf(blocks.url));
      } else {
        for (const p of proxies) p.setDown(true);
        await sleep(downMs);
        for (const p of proxies) p.setDown(false);
      }
    },
    async s3Down(downMs) {
      if (!s3Proxy) return;
      s3Proxy.setDown(true);
      await sleep(downMs);
      s3Proxy.setDown(false);
    },
    async flipBit(pick, bit) {
      const files = await filesUnder(blockDir());
      if (files.length === 0) return null;
      const file = files[pick % files.length];
      const bytes = await readFile(file).catch(() => null);
      if (!bytes || bytes.length === 0) return null;
      const offset = pick % bytes.length;
      bytes[offset] ^= 1 << bit;
      await writeFile(file, bytes);
      return { file, block: blockAt((blocks ?? main).dataDir, file, offset) };
    },
    stderr: () => [main.stderr(), blocks?.stderr() ?? ''].join(''),
    async dispose() {
      for (const p of [...proxies, blocksProxy, s3Proxy]) await p?.close();
      await main.dispose();
      await blocks?.dispose();
      await s3?.stop();
      if (keyDir) await rm(keyDir, { recursive: true, force: true });
    },
  };
}
