// Files the server and the client write are their owner's alone, whatever the umask: real
// `hsync server` processes (one process; split meta + blocks with s3rver) and a real
// `hsync sync` client run under umask 000, then every file and folder they made is
// checked for group and other bits.
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { startHybridCluster } from '../../helpers/hybrid-cluster.js';
import { writeFiles } from '../../helpers/hybrid-devices.js';
import { runHsync, startServerProcess } from '../../helpers/server-process.js';

const MiB = 1024 * 1024;
const temps: string[] = [];
after(async () => {
  await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hsync-${name}-`));
  temps.push(dir);
  return dir;
}

/** Every path under `dir` (and `dir` itself) relative to it, with its permission bits. */
async function modesUnder(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path);
    out.set(relative(dir, path) || '.', info.mode & 0o777);
    if (info.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(dir);
  return out;
}

/** No entry under `dir` lets group or others in, and each of `expected` is there (so the check saw them). */
async function assertPrivate(dir: string, expected: RegExp[]): Promise<void> {
  const modes = await modesUnder(dir);
  const open = [...modes].filter(([, mode]) => (mode & 0o077) !== 0).map(([path, mode]) => `${path} ${mode.toString(8)}`);
  assert.deepEqual(open, [], `group/other bits under ${dir}`);
  for (const pattern of expected) assert.ok([...modes.keys()].some((p) => pattern.test(p)), `${pattern} under ${dir}: ${[...modes.keys()].join(', ')}`);
}

/** `hsync sync --once` under umask 000 with a state dir it has to make itself. */
async function syncUnderUmask0(serverUrl: string, token: string): Promise<{ root: string; state: string }> {
  const root = await tempDir('private-root');
  const home = await tempDir('private-client');
  const state = join(home, 'state', 'folder');
  const tokenFile = join(home, 'token');
  await writeFile(tokenFile, token, { mode: 0o600 });
  // One file of three blocks (PUT per block) and 40 small ones (batches, packed).
  await writeFiles(root, 'big', [2 * 4 * MiB + 1000]);
  await writeFiles(root, 'small', Array.from({ length: 40 }, (_, i) => 100 + i));
  const run = await runHsync(['sync', '--folder', root, '--server', serverUrl, '--token-file', tokenFile, '--state', state, '--device', 'a', '--once'], {}, 0o000);
  assert.equal(run.code, 0, run.stderr);
  return { root, state: join(home, 'state') };
}

test('one process under umask 000: the data dir, database, WAL, blocks and packs, and the client state are owner-only', async () => {
  const parent = await tempDir('private-data');
  const server = await startServerProcess({ dataDir: join(parent, 'data'), umask: 0o000 });
  try {
    const token = await server.addUser('alice');
    const client = await syncUnderUmask0(server.url, token);
    await assertPrivate(server.dataDir, [/^\.$/, /^server\.db$/, /^server\.db-wal$/, /^server\.db-shm$/, /^blocks\/[0-9a-f]{2}\/[0-9a-f]{64}$/, /^blocks\/packs\/.+\.pack$/, /^tmp$/]);
    await assertPrivate(client.state, [/^folder$/, /^folder\/index\.sqlite$/, /^folder\/settings\.json$/]);
    // The synced folder's own .hsync/ (partial downloads, the local trash) is the user's alone.
    assert.equal((await stat(join(client.root, '.hsync'))).mode & 0o777, 0o700, 'the synced folder\'s .hsync/');
  } finally {
    await server.dispose();
  }
});

test('split meta + blocks with S3 under umask 000: both data dirs, the upload marks and the secret file are owner-only', async () => {
  const cluster = await startHybridCluster([], 0o000);
  try {
    const token = await cluster.meta.addUser('alice');
    const client = await syncUnderUmask0(cluster.meta.url, token);
    assert.ok((await cluster.blockServiceHashes()).size >= 3, 'the blocks went to the block service');
    await assertPrivate(cluster.meta.dataDir, [/^server\.db$/, /^server\.db-wal$/]);
    await assertPrivate(cluster.blocks.dataDir, [/^blocks\/[0-9a-f]{2}\/[0-9a-f]{64}$/, /^uploads\/\d+$/]);
    const secret = await lstat(cluster.secretFile);
    assert.equal(secret.mode & 0o777, 0o600, 'the secret file');
    await assertPrivate(client.state, [/^folder\/index\.sqlite$/, /^folder\/settings\.json$/]);
  } finally {
    await cluster.dispose();
  }
});
