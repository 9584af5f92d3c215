// EDGE_CASES 15, 17, 18 and 20: files that change while read, crashes mid-transfer (the real
// `hsync sync --once` killed with SIGKILL), resuming after a restart, and corrupt blocks.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { open, readdir, readFile, stat, truncate, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { randomish, syncFixture, type TestClient } from '../../helpers/sync-client.js';

const HSYNC = join(import.meta.dirname, '..', '..', '..', 'bin', 'hsync.js');
const MiB = 1024 * 1024;

const fx = syncFixture();

/** Runs `hsync sync --once` for a client's folder and state, killing it with SIGKILL once `killWhen` holds. */
async function syncCliUntil(client: TestClient, token: string, killWhen: () => Promise<boolean>): Promise<{ killed: boolean; stdout: string }> {
  await client.close();
  const child = spawn(process.execPath, [HSYNC, 'sync', '--once', '--folder', client.root, '--state', client.stateDir, '--server', fx.server.url, `--token=${token}`, '--device', client.device], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let killed = false;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    if (await killWhen().catch(() => false)) {
      child.kill('SIGKILL');
      killed = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await exited;
  return { killed, stdout };
}

async function partSize(root: string): Promise<number> {
  const dir = join(root, '.hsync', 'tmp');
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) total += (await stat(join(dir, name))).blocks * 512;
  return total;
}

test('EDGE 15: a file growing while it is hashed is never published; once still, it syncs whole', async () => {
  const [a, b] = await fx.pair();
  await a.write('other.txt', 'syncs meanwhile');
  const log = join(a.root, 'growing.log');
  await a.write('growing.log', randomish(12 * MiB, 1));
  const writer = setInterval(() => appendFileSync(log, `line ${Date.now()}\n`), 2);
  let outcome;
  try {
    outcome = await a.sync(true);
  } finally {
    clearInterval(writer);
  }
  assert.equal(outcome.agreed, false);
  assert.match(outcome.reason!, /waiting for 1 file\(s\) to stop changing, first: "growing.log"/);
  const entries = (await a.remote.list(0)).entries.map((e) => e.path);
  assert.deepEqual(entries, ['other.txt'], 'the growing file was not committed, the rest was');
  await a.sync();
  await b.sync();
  assert.deepEqual(await b.tree(), await a.tree());
});

test('EDGE 17 + 18: SIGKILL in the middle of a large download leaves no partial file in view; the restart resumes', async () => {
  const [a, b, token] = await fx.pair();
  const size = 48 * MiB;
  await a.write('movie.bin', randomish(size, 2));
  await a.sync();
  const { killed } = await syncCliUntil(b, token, async () => (await partSize(b.root)) >= size / 2);
  assert.equal(killed, true, 'the download was interrupted');
  // Never a truncated file at the real name.
  const visible = await stat(join(b.root, 'movie.bin')).catch(() => null);
  assert.ok(visible === null || visible.size === size, `partial file visible: ${visible?.size}`);

  const again = await fx.client(token, 'desktop', { root: b.root, stateDir: b.stateDir });
  await again.sync();
  assert.deepEqual(await again.tree(), await a.tree());
  assert.ok(again.blocks.downBytes <= size * 0.6, `resumed: downloaded ${again.blocks.downBytes / MiB} MiB of ${size / MiB}`);
  assert.deepEqual(await readdir(join(b.root, '.hsync', 'tmp')), [], 'no temp file left');
  const fromB = (await again.remote.list(0)).entries.filter((e) => e.device === 'desktop');
  assert.deepEqual(fromB, [], 'the interrupted client uploaded nothing');
});

test('EDGE 17 + 18: SIGKILL in the middle of a large upload; the restart sends only the missing blocks', async () => {
  const [a, b, token] = await fx.pair();
  const size = 48 * MiB;
  await a.write('backup.tar', randomish(size, 3));
  const blocksDir = join(fx.server.dataDir, 'blocks');
  const storedBytes = async () => {
    let total = 0;
    for (const dir of await readdir(blocksDir)) {
      if (dir === 'packs') continue;
      for (const name of await readdir(join(blocksDir, dir))) total += (await stat(join(blocksDir, dir, name))).size;
    }
    return total;
  };
  const start = await storedBytes();
  const { killed } = await syncCliUntil(a, token, async () => (await storedBytes()) - start >= size / 2);
  assert.equal(killed, true, 'the upload was interrupted');
  const again = await fx.client(token, 'laptop', { root: a.root, stateDir: a.stateDir });
  await again.sync();
  assert.ok(again.blocks.upBytes <= size * 0.6, `resumed: uploaded ${again.blocks.upBytes / MiB} MiB of ${size / MiB}`);
  await b.sync();
  assert.deepEqual(await b.tree(), await again.tree());
});

test('EDGE 17: a file cut to zero bytes with its old mtime (a crash) is restored, not uploaded', async () => {
  const [a, b] = await fx.pair();
  await a.write('ledger.db', randomish(64 * 1024, 4));
  await a.sync();
  await b.sync();
  const path = join(b.root, 'ledger.db');
  const { mtime } = await stat(path);
  await truncate(path, 0);
  await utimes(path, mtime, mtime);
  const cursor = b.engine.index.cursor;
  await b.sync();
  assert.deepEqual(await b.tree(), await a.tree(), 'the journal version came back');
  assert.equal((await b.remote.list(cursor)).entries.length, 0, 'nothing was committed');
});

test('EDGE 17: SIGKILL among 300 small downloads; the rerun finishes without uploading anything', async () => {
  const [a, b, token] = await fx.pair();
  for (let i = 0; i < 300; i++) await a.write(`mail/m${i}.eml`, `message ${i}\n`.repeat(20));
  await a.sync();
  const { killed } = await syncCliUntil(b, token, async () => (await readdir(join(b.root, 'mail')).catch(() => [])).length >= 60);
  assert.ok(killed, 'the client was killed before it finished');
  const atKill = (await readdir(join(b.root, 'mail'))).length;
  assert.ok(atKill >= 60 && atKill < 300, `killed mid-transfer: ${atKill} of 300 files were there`);
  const again = await fx.client(token, 'desktop', { root: b.root, stateDir: b.stateDir });
  await again.sync();
  assert.deepEqual(await again.tree(), await a.tree());
  const fromB = (await again.remote.list(0)).entries.filter((e) => e.device === 'desktop');
  assert.deepEqual(fromB, [], 'nothing uploaded');
});

test('EDGE 20: a corrupt block on the server is refused; the file is never assembled from it; the rest syncs', async () => {
  const [a, b] = await fx.pair();
  const data = randomish(6 * MiB, 5);
  await a.write('photo.raw', data);
  await a.write('fine.txt', 'fine');
  await a.sync();
  const firstBlock = createHash('sha256').update(data.subarray(0, 4 * MiB)).digest('hex');
  const stored = join(fx.server.dataDir, 'blocks', firstBlock.slice(0, 2), firstBlock);
  const handle = await open(stored, 'r+');
  await handle.write(Buffer.from([0xff ^ data[100]]), 0, 1, 100);
  await handle.close();
  assert.notEqual(createHash('sha256').update(await readFile(stored)).digest('hex'), firstBlock, 'the stored block is now corrupt');

  const outcome = await b.sync(true);
  assert.equal(outcome.agreed, false);
  assert.match(outcome.reason!, /could not sync/);
  const problem = b.engine.getStatus().problems.find((p) => p.path === 'photo.raw');
  assert.equal(problem?.code, 'hash_mismatch');
  assert.equal(await stat(join(b.root, 'photo.raw')).catch(() => null), null, 'no file assembled from a bad block');
  assert.equal(await b.read('fine.txt'), 'fine');
});
