// What survives a crash and what never becomes visible: kill -9 in the middle of an
// upload, clients that disconnect mid-body, and a disk that fills up.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, statfs } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { startServerProcess } from '../../helpers/server-process.js';
import { smallDisk, unmount } from '../../helpers/small-disk.js';
import { batchBody, block, call, sha256 } from './http.js';

const MiB = 1024 * 1024;

async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a request, sends `first`, and leaves it hanging; returns a way to cut it. */
function hangingUpload(url: string, path: string, token: string, length: number, first: Buffer): { cut: () => void } {
  const req = http.request(url + path, { method: 'PUT', agent: false, headers: { authorization: `Bearer ${token}`, 'content-length': length } });
  req.on('error', () => undefined); // the cut (or the server's death) is the point
  req.write(first);
  return { cut: () => req.destroy() };
}

/** Sends `bytes` as one request: the first `first` bytes, then (after `pause`) the rest; resolves with the answer. */
function pausedUpload(url: string, path: string, token: string, bytes: Buffer, first: number, pause: () => Promise<void>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + path, { method: 'PUT', agent: false, headers: { authorization: `Bearer ${token}`, 'content-length': bytes.length } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.write(bytes.subarray(0, first));
    pause().then(() => req.end(bytes.subarray(first)), reject);
  });
}

describe('durability', () => {
  it('keeps acknowledged blocks and commits through kill -9 mid-upload, and shows no partial block', async () => {
    const server = await startServerProcess();
    try {
      const token = await server.addUser('erin');
      const kept = block(3 * MiB);
      assert.equal((await call(server.url, 'PUT', `/v1/blocks/${kept.hash}`, token, kept.bytes)).status, 201);
      const small = Array.from({ length: 20 }, () => block(4096));
      assert.equal((await call(server.url, 'POST', '/v1/blocks/batch', token, batchBody(small))).status, 200);
      const committed = await call(server.url, 'POST', '/v1/commit', token, {
        device: 'd',
        changes: [{ kind: 'put', path: 'kept.bin', parentRev: null, size: 3 * MiB, mtime: 0, blocks: [kept.hash] }],
      });
      assert.equal(committed.json().results[0].status, 'committed');

      const partial = block(4 * MiB);
      const upload = hangingUpload(server.url, `/v1/blocks/${partial.hash}`, token, partial.bytes.length, partial.bytes.subarray(0, 2 * MiB));
      await until(async () => (await readdir(join(server.dataDir, 'tmp'))).length > 0, 'the upload reaches a temp file');
      await server.kill();
      upload.cut();
      await server.restart();

      assert.deepEqual(await readdir(join(server.dataDir, 'tmp')), [], 'crash leftovers are removed at start');
      assert.equal(existsSync(join(server.dataDir, 'blocks', partial.hash.slice(0, 2), partial.hash)), false);
      assert.equal((await call(server.url, 'GET', `/v1/blocks/${partial.hash}`, token)).status, 404);
      assert.deepEqual((await call(server.url, 'POST', '/v1/blocks/missing', token, { hashes: [partial.hash] })).json().missing, [partial.hash]);

      const back = await call(server.url, 'GET', `/v1/blocks/${kept.hash}`, token);
      assert.equal(back.status, 200);
      assert.equal(sha256(back.body), kept.hash);
      for (const s of [small[0], small[19]]) assert.ok((await call(server.url, 'GET', `/v1/blocks/${s.hash}`, token)).body.equals(s.bytes));
      const listed = (await call(server.url, 'GET', '/v1/list?cursor=0', token)).json();
      assert.deepEqual(listed.entries.map((e: { path: string }) => e.path), ['kept.bin']);
    } finally {
      await server.dispose();
    }
  });

  it('stores nothing from a request cut off mid-body', async () => {
    const server = await startServerProcess();
    try {
      const token = await server.addUser('frank');
      const cut = block(4 * MiB);
      const upload = hangingUpload(server.url, `/v1/blocks/${cut.hash}`, token, cut.bytes.length, cut.bytes.subarray(0, MiB));
      await until(async () => (await readdir(join(server.dataDir, 'tmp'))).length > 0, 'the upload reaches a temp file');
      upload.cut();
      await until(async () => (await readdir(join(server.dataDir, 'tmp'))).length === 0, 'the temp file is removed');
      assert.equal((await call(server.url, 'GET', `/v1/blocks/${cut.hash}`, token)).status, 404);

      // A batch cut off mid-body stores none of its records, not even the complete ones.
      const records = [block(100), block(200)];
      const body = batchBody(records);
      const req = http.request(`${server.url}/v1/blocks/batch`, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${token}`, 'content-length': body.length + 1000 },
      });
      req.on('error', () => undefined);
      req.write(body);
      await new Promise((r) => setTimeout(r, 200));
      req.destroy();
      await new Promise((r) => setTimeout(r, 200));
      const missing = (await call(server.url, 'POST', '/v1/blocks/missing', token, { hashes: records.map((r) => r.hash) })).json().missing;
      assert.deepEqual(missing, records.map((r) => r.hash));
      assert.equal((await call(server.url, 'GET', '/v1/health')).status, 200);
    } finally {
      await server.dispose();
    }
  });

  it('refusals sent before the body is read reach the client: 401 and 413, each five times over one connection pool', async () => {
    const server = await startServerProcess();
    const wrong = new HttpRemote(server.url, 'not-a-token');
    const right = new HttpRemote(server.url, await server.addUser('ivan'));
    try {
      const big = block(4 * MiB);
      const over = block(4 * MiB + 1);
      for (let i = 0; i < 5; i++) {
        await assert.rejects(wrong.putBlock(big.hash as BlockHash, big.bytes), { code: 'unauthorized' });
        await assert.rejects(right.putBlock(over.hash as BlockHash, over.bytes), { code: 'too_large' });
      }
    } finally {
      wrong.close();
      right.close();
      await server.dispose();
    }
  });

  it('answers 507 disk_full when the disk fills, leaving nothing half-written', async (t) => {
    const mount = await smallDisk(t);
    if (!mount) return;
    const server = await startServerProcess({ dataDir: mount });
    try {
      const token = await server.addUser('gina');
      const big = block(4 * MiB); // more than the 3 MiB file system holds
      const answer = await call(server.url, 'PUT', `/v1/blocks/${big.hash}`, token, big.bytes);
      assert.equal(answer.status, 507);
      assert.equal(answer.json().error.code, 'disk_full');
      assert.deepEqual(await readdir(join(mount, 'tmp')), []);
      assert.equal(existsSync(join(mount, 'blocks', big.hash.slice(0, 2), big.hash)), false);
      // The space came back: a small block still goes in.
      const small = block(1000);
      assert.equal((await call(server.url, 'PUT', `/v1/blocks/${small.hash}`, token, small.bytes)).status, 201);
      const many = Array.from({ length: 6 }, () => block(MiB));
      const batch = await call(server.url, 'POST', '/v1/blocks/batch', token, batchBody(many));
      assert.equal(batch.status, 507, `${batch.body} ${server.stderr()}`);
      assert.deepEqual(await readdir(join(mount, 'tmp')), []);
      assert.deepEqual(await readdir(join(mount, 'blocks', 'packs')), []);
    } finally {
      await server.dispose();
      await unmount(mount);
    }
  });

  it('answers 507 and keeps running when the disk fills while the rest of the body is still on its way', async (t) => {
    const mount = await smallDisk(t);
    if (!mount) return;
    const server = await startServerProcess({ dataDir: mount });
    try {
      const token = await server.addUser('hugo');
      const big = block(4 * MiB);
      // Most of the block, then a pause until the disk is full (the server's write has
      // failed), then the rest: the failure is seen while the server waits on the network.
      const answer = await pausedUpload(server.url, `/v1/blocks/${big.hash}`, token, big.bytes, 3.5 * MiB, async () => {
        await until(async () => (await statfs(mount)).bavail === 0, 'the disk is full');
        await new Promise((r) => setTimeout(r, 200)); // lets the failed write reach the server's code first
      });
      assert.equal(answer.status, 507, server.stderr());
      assert.equal(JSON.parse(answer.body).error.code, 'disk_full');
      assert.equal((await call(server.url, 'GET', '/v1/health')).status, 200, 'the server is still up');
      assert.deepEqual(await readdir(join(mount, 'tmp')), []);
      assert.equal((await call(server.url, 'GET', `/v1/blocks/${big.hash}`, token)).status, 404);
    } finally {
      await server.dispose();
      await unmount(mount);
    }
  });
});
