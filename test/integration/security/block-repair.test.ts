// A block that went bad or missing on the server's disk is healed by a client's re-upload of
// the right bytes (the server no longer trusts its index row alone), and a wrong upload
// never replaces a good copy. Real `hsync server`, real data dir.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { batchBody } from '../server/http.js';

let server: ServerProcess;
let token: string;
before(async () => {
  server = await startServerProcess();
  token = await server.addUser('repair');
});
after(async () => server?.dispose());

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const put = (hash: string, body: Buffer) =>
  fetch(`${server.url}/v1/blocks/${hash}`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(body) });
const get = (hash: string) => fetch(`${server.url}/v1/blocks/${hash}`, { headers: { authorization: `Bearer ${token}` } });
const stored = (hash: string) => join(server.dataDir, 'blocks', hash.slice(0, 2), hash);

test('a corrupt stored block is healed by re-uploading its bytes', async () => {
  const bytes = randomBytes(300_000);
  const hash = sha(bytes);
  assert.equal((await put(hash, bytes)).status, 201);
  const bad = Buffer.from(bytes);
  bad[1234] ^= 0xff;
  await writeFile(stored(hash), bad);
  assert.equal((await get(hash)).status, 422, 'a corrupt copy is never sent');

  assert.ok((await put(hash, bytes)).ok);
  const back = await get(hash);
  assert.equal(back.status, 200);
  assert.equal(sha(Buffer.from(await back.arrayBuffer())), hash);
  assert.equal(sha(await readFile(stored(hash))), hash, 'the file on disk is the block again');
});

test('a stored block gone from disk is healed by re-uploading it; wrong bytes are refused and change nothing', async () => {
  const bytes = randomBytes(50_000);
  const hash = sha(bytes);
  assert.equal((await put(hash, bytes)).status, 201);
  assert.equal((await put(hash, randomBytes(50_000))).status, 422, 'bytes that do not hash to the name');
  assert.equal(sha(await readFile(stored(hash))), hash, 'the good copy is untouched');

  await rm(stored(hash));
  assert.ok((await put(hash, bytes)).ok);
  assert.equal(sha(Buffer.from(await (await get(hash)).arrayBuffer())), hash);
});

const batch = (records: { hash: string; bytes: Buffer }[]) =>
  fetch(`${server.url}/v1/blocks/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(batchBody(records)),
  });
const packsDir = () => join(server.dataDir, 'blocks', 'packs');

test('a corrupt or missing block stored through a batch is healed by uploading it in a batch again', async () => {
  const records = [randomBytes(3000), randomBytes(5000)].map((bytes) => ({ hash: sha(bytes), bytes }));
  const before = new Set(await readdir(packsDir()));
  assert.equal((await batch(records)).status, 200);
  const [pack] = (await readdir(packsDir())).filter((name) => !before.has(name));
  const packPath = join(packsDir(), pack);
  const bad = await readFile(packPath);
  bad[10] ^= 0xff; // inside the first block
  await writeFile(packPath, bad);
  assert.equal((await get(records[0].hash)).status, 422, 'a corrupt copy is never sent');

  assert.equal((await batch([records[0]])).status, 200);
  assert.equal(sha(Buffer.from(await (await get(records[0].hash)).arrayBuffer())), records[0].hash, 'healed');

  await rm(packPath); // the second block's only copy is gone
  assert.notEqual((await get(records[1].hash)).status, 200);
  assert.equal((await batch([records[1]])).status, 200);
  assert.equal(sha(Buffer.from(await (await get(records[1].hash)).arrayBuffer())), records[1].hash, 'healed');
});
