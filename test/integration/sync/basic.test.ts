// Two clients on one account converge: add, edit, delete, in both directions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { makeClient, type TestClient } from '../../helpers/sync-client.js';

let server: ServerProcess;
let a: TestClient;
let b: TestClient;

before(async () => {
  server = await startServerProcess();
  const token = await server.addUser('alice');
  a = await makeClient(server.url, token, 'laptop');
  b = await makeClient(server.url, token, 'desktop');
});
after(async () => {
  await a?.close();
  await b?.close();
  await server?.dispose();
});

test('a file added on A appears on B byte for byte, and edits and deletes follow', async () => {
  await a.write('docs/hello.txt', 'hello world');
  await a.write('big.bin', Buffer.alloc(9 * 1024 * 1024, 7));
  await a.sync();
  await b.sync();
  assert.deepEqual(await b.tree(), await a.tree());
  assert.equal(await b.read('docs/hello.txt'), 'hello world');

  await b.write('docs/hello.txt', 'edited on B');
  await b.sync();
  await a.sync();
  assert.equal(await a.read('docs/hello.txt'), 'edited on B');

  const { rm } = await import('node:fs/promises');
  await rm(`${a.root}/big.bin`);
  await a.sync();
  await b.sync();
  assert.deepEqual(await b.files(), ['docs/hello.txt']);
});
