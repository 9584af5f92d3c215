// In-process sync clients for integration tests: a real engine over a real HttpRemote,
// each with its own temp folder and state dir, against a server from server-process.ts.

import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { after, before } from 'node:test';
import { HttpRemote } from '../../shared/node/remote/http-remote.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { tempDir } from './temp-dir.js';
import { SyncEngine, type EngineOptions, type SyncOutcome } from '../../shared/node/engine/engine.js';

export interface TestClient {
  root: string;
  stateDir: string;
  device: string;
  engine: SyncEngine;
  remote: HttpRemote;
  /** Block transfers through this client's remote (bytes of block bodies only). */
  blocks: { up: number; upBytes: number; down: number; downBytes: number };
  /** One full sync; rejects with the reason unless both sides agree (unless `allowDisagree`). */
  sync(allowDisagree?: boolean): Promise<SyncOutcome>;
  write(path: string, data: string | Buffer): Promise<void>;
  read(path: string): Promise<string>;
  /** Every synced file (relative, sorted), without the `.hsync/` folder. */
  files(): Promise<string[]>;
  /** path → sha256 of the bytes, for comparing whole trees. */
  tree(): Promise<Record<string, string>>;
  /** Stops the engine (and a fresh one can be made on the same folder and state). */
  close(): Promise<void>;
  /** A new engine on the same folder and state, as after a restart. */
  reopen(options?: Partial<EngineOptions>): Promise<TestClient>;
}

export interface ClientOptions extends Partial<EngineOptions> {
  root?: string;
  stateDir?: string;
}

export async function makeClient(url: string, token: string, device: string, options: ClientOptions = {}): Promise<TestClient> {
  const root = options.root ?? tempDir(`hsync-${device}-`);
  const stateDir = options.stateDir ?? tempDir(`hsync-state-${device}-`);
  const remote = new HttpRemote(url, token);
  const blocks = { up: 0, upBytes: 0, down: 0, downBytes: 0 };
  const { putBlock, putBlocks, getBlock, getBlocks } = remote;
  remote.putBlock = async (hash, bytes) => {
    await putBlock.call(remote, hash, bytes);
    blocks.up++;
    blocks.upBytes += bytes.length;
  };
  remote.putBlocks = async (list) => {
    await putBlocks.call(remote, list);
    blocks.up += list.length;
    for (const b of list) blocks.upBytes += b.bytes.length;
  };
  remote.getBlock = async (hash, into) => {
    // `into` passed on: with it the remote reads the answer straight into the buffer
    // (direct-get.ts), the path the engine takes in production.
    const bytes = await getBlock.call(remote, hash, into);
    blocks.down++;
    blocks.downBytes += bytes.length;
    return bytes;
  };
  remote.getBlocks = async (hashes) => {
    const found = await getBlocks.call(remote, hashes);
    for (const bytes of found.values()) {
      blocks.down++;
      blocks.downBytes += bytes.length;
    }
    return found;
  };
  const engine = new SyncEngine({ root, stateDir, remote, device, watch: false, ...options });
  let closed = false;
  const client: TestClient = {
    root,
    stateDir,
    device,
    engine,
    remote,
    blocks,
    async sync(allowDisagree = false) {
      const outcome = await engine.syncOnce();
      if (!outcome.agreed && !allowDisagree) throw new Error(`sync ${device}: ${outcome.reason}`);
      return outcome;
    },
    async write(path, data) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), data);
    },
    read: (path) => readFile(join(root, path), 'utf8'),
    files: () => listFiles(root),
    async tree() {
      const out: Record<string, string> = {};
      for (const path of await listFiles(root)) out[path] = createHash('sha256').update(await readFile(join(root, path))).digest('hex');
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await engine.stop();
      remote.close();
    },
    async reopen(more = {}) {
      await client.close();
      return makeClient(url, token, device, { ...options, ...more, root, stateDir });
    },
  };
  return client;
}

export async function listFiles(root: string, under = ''): Promise<string[]> {
  const out: string[] = [];
  let names;
  try {
    names = await readdir(join(root, under), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of names) {
    const rel = under ? `${under}/${entry.name}` : entry.name;
    if (rel === '.hsync') continue;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** The server's live tree as `client`'s account sees it: path → content hash, sorted by path. */
export async function serverLiveTree(client: TestClient): Promise<Record<string, string>> {
  const live = new Map<string, string | null>();
  for (let cursor = 0; ; ) {
    const page = await client.remote.list(cursor, 1000);
    for (const e of page.entries) live.set(e.path, e.deleted ? null : e.contentHash);
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  const out: Record<string, string> = {};
  for (const [path, hash] of [...live].sort(([a], [b]) => (a < b ? -1 : 1))) if (hash !== null) out[path] = hash;
  return out;
}

export async function removeDirs(...dirs: string[]): Promise<void> {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/** One server process per test file and the in-process clients its tests make. */
export interface SyncFixture {
  readonly server: ServerProcess;
  /** A client on the fixture's server, closed and removed after the file's tests. */
  client(token: string, device: string, options?: ClientOptions): Promise<TestClient>;
  /** A new user and two of its devices, 'laptop' and 'desktop'. */
  pair(options?: ClientOptions): Promise<[TestClient, TestClient, string]>;
  /** A token for a new user. */
  newUser(): Promise<string>;
}

/** Registers before/after hooks that start the server and clean up every client. */
export function syncFixture(): SyncFixture {
  let server: ServerProcess | undefined;
  const clients: TestClient[] = [];
  let users = 0;
  before(async () => {
    server = await startServerProcess();
  });
  after(async () => {
    for (const c of clients) await c.close();
    await removeDirs(...clients.flatMap((c) => [c.root, c.stateDir]));
    await server?.dispose();
  });
  const fixture: SyncFixture = {
    get server() {
      if (!server) throw new Error('the fixture server starts in before()');
      return server;
    },
    async client(token, device, options = {}) {
      const client = await makeClient(fixture.server.url, token, device, options);
      clients.push(client);
      return client;
    },
    newUser: () => fixture.server.addUser(`u${++users}`),
    async pair(options = {}) {
      const token = await fixture.newUser();
      return [await fixture.client(token, 'laptop', options), await fixture.client(token, 'desktop', options), token];
    },
  };
  return fixture;
}

/** Bytes that differ per block (a seeded hash chain), so no block dedups against another. */
export function randomish(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let block = createHash('sha256').update(String(seed)).digest();
  for (let offset = 0; offset < size; offset += 32) {
    block = createHash('sha256').update(block).digest();
    block.copy(out, offset);
  }
  return out;
}
