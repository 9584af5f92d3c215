// Every route of the metadata server, in one process and split (--role meta + --role blocks
// with s3rver as the S3 tier), and every route of the block service: without a token, with
// a wrong token and with another user's token. Each answer is a clear 401/403/404 (or bob's
// own, empty view), and none carries alice's paths, blocks, figures or the server's paths.
// The Dropship probe (confirm of a hash one does not hold) is in dropship.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startHybridCluster, type HybridCluster } from '../../helpers/hybrid-cluster.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { rawRequest } from '../../helpers/raw-http.js';
import { batchBody, block, call, type Answer } from '../server/http.js';

const MiB = 1024 * 1024;
const SECRET_PATH = 'alice-only/plans.txt';

interface Deployment {
  url: string;
  /** Data dirs of every process: no answer may name them. */
  dataDirs: string[];
  /** The block service of a split deployment. */
  blockService: string | null;
  addUser(name: string): Promise<string>;
  dispose(): Promise<void>;
}

async function single(): Promise<Deployment> {
  const server: ServerProcess = await startServerProcess();
  return { url: server.url, dataDirs: [server.dataDir], blockService: null, addUser: server.addUser, dispose: server.dispose };
}

async function split(): Promise<Deployment> {
  const cluster: HybridCluster = await startHybridCluster();
  return {
    url: cluster.meta.url,
    dataDirs: [cluster.meta.dataDir, cluster.blocks.dataDir],
    blockService: cluster.blockServiceUrl,
    addUser: cluster.meta.addUser,
    dispose: cluster.dispose,
  };
}

/** Authorization headers that must all be refused. */
function badCredentials(aliceToken: string): [string, Record<string, string>][] {
  const tampered = aliceToken.slice(0, -1) + (aliceToken.endsWith('A') ? 'B' : 'A');
  return [
    ['no token', {}],
    ['an unknown token', { authorization: `Bearer hst_${randomBytes(32).toString('base64url')}` }],
    ["alice's token with one character changed", { authorization: `Bearer ${tampered}` }],
    ["alice's token without the Bearer scheme", { authorization: aliceToken }],
    ['a Basic credential', { authorization: `Basic ${Buffer.from(`alice:${aliceToken}`).toString('base64')}` }],
  ];
}

async function send(url: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const response = await fetch(url + path, {
    method,
    headers: { ...headers, ...(payload ? { 'content-type': Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json' } : {}) },
    body: payload ? new Uint8Array(payload) : undefined,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body: bytes, json: () => JSON.parse(bytes.toString('utf8')) };
}

for (const [mode, start] of [
  ['one process', single],
  ['split meta + blocks with S3', split],
] as const) {
  describe(`routes need the caller's own token (${mode})`, () => {
    let d: Deployment;
    let alice: string;
    let bob: string;
    const secret = block(300_000);
    const unknown = block(300_000);
    let secretRev = 0;
    let aliceHead = 0;
    const pendingBlocks = [block(16).hash, block(16).hash];

    /** Every route of the metadata server, with a body aimed at alice's data. */
    const routes = (): { method: string; path: string; body?: unknown }[] => [
      { method: 'GET', path: '/v1/account' },
      { method: 'POST', path: '/v1/commit', body: { device: 'x', changes: [{ kind: 'put', path: SECRET_PATH, parentRev: secretRev, size: secret.bytes.length, mtime: 1, blocks: [secret.hash] }] } },
      { method: 'GET', path: '/v1/list?cursor=0' },
      { method: 'GET', path: '/v1/longpoll?cursor=0&timeout=0&pending=0&wanted=0' },
      { method: 'GET', path: '/v1/pending' },
      { method: 'GET', path: `/v1/revisions?path=${encodeURIComponent(SECRET_PATH)}` },
      { method: 'POST', path: '/v1/restore', body: { path: SECRET_PATH, rev: secretRev, device: 'x' } },
      { method: 'POST', path: '/v1/blocks/missing', body: { hashes: [secret.hash] } },
      { method: 'POST', path: '/v1/blocks/batch', body: batchBody([secret]) },
      { method: 'POST', path: '/v1/blocks/get', body: { hashes: [secret.hash] } },
      { method: 'PUT', path: `/v1/blocks/${secret.hash}`, body: secret.bytes },
      { method: 'GET', path: `/v1/blocks/${secret.hash}` },
      { method: 'POST', path: '/v1/blocks/urls', body: { op: 'get', hashes: [secret.hash] } },
      { method: 'POST', path: '/v1/blocks/confirm', body: { tier: 'inhouse', blocks: [{ hash: secret.hash, size: secret.bytes.length }] } },
      { method: 'GET', path: '/v1/stats' },
      { method: 'GET', path: '/v1/blocks/wanted' },
    ];

    /** Nothing of alice's and no server path in an answer meant for someone else. */
    const assertNothingOfAlice = (answer: Answer, what: string) => {
      const text = answer.body.toString('latin1');
      assert.ok(!text.includes('alice-only'), `${what}: names alice's path`);
      assert.ok(!answer.body.includes(secret.bytes.subarray(0, 64)), `${what}: carries alice's bytes`);
      for (const dir of d.dataDirs) assert.ok(!text.includes(dir), `${what}: names the server's data dir`);
    };

    before(async () => {
      d = await start();
      [alice, bob] = await Promise.all([d.addUser('alice'), d.addUser('bob')]);
      assert.equal((await call(d.url, 'PUT', `/v1/blocks/${secret.hash}`, alice, secret.bytes)).status, 201);
      const put = { kind: 'put', path: SECRET_PATH, parentRev: null, size: secret.bytes.length, mtime: 1, blocks: [secret.hash] };
      const committed = (await call(d.url, 'POST', '/v1/commit', alice, { device: 'a', changes: [put] })).json();
      secretRev = committed.results[0].entry.rev;
      // A pending upload of alice's: a two-block file whose blocks are still on their way.
      const big = { kind: 'put', path: 'alice-only/big.bin', parentRev: null, size: 4 * MiB + 16, mtime: 1, blocks: pendingBlocks };
      const pending = (await call(d.url, 'POST', '/v1/commit', alice, { device: 'a', changes: [big] })).json();
      assert.equal(pending.results[0].status, 'need_blocks');
      aliceHead = (await call(d.url, 'GET', '/v1/list?cursor=0', alice)).json().cursor;
    });
    after(async () => {
      await d?.dispose();
    });

    it('refuses every route without a valid bearer token: 401 unauthorized, nothing stored or told', async () => {
      for (const route of routes()) {
        for (const [name, headers] of badCredentials(alice)) {
          const what = `${route.method} ${route.path.split('?')[0]} with ${name}`;
          const answer = await send(d.url, route.method, route.path, headers, route.body);
          assert.equal(answer.status, 401, what);
          const { error } = answer.json();
          assert.equal(error.code, 'unauthorized', what);
          assert.match(error.message, /token/, what);
          assertNothingOfAlice(answer, what);
        }
      }
      // Nothing the refused requests carried was applied.
      assert.equal((await call(d.url, 'GET', '/v1/list?cursor=0', alice)).json().cursor, aliceHead);
      assert.deepEqual((await call(d.url, 'GET', '/v1/list?cursor=0', bob)).json().entries, []);
    });

    it('health needs no token and tells nothing about users', async () => {
      const answer = await send(d.url, 'GET', '/v1/health', {});
      assert.equal(answer.status, 200);
      assert.deepEqual(Object.keys(answer.json()).sort(), ['ok', 'serverId']);
    });

    it("bob's token reads only bob's namespace: account, list, pending, revisions, restore", async () => {
      assert.equal((await call(d.url, 'GET', '/v1/account', bob)).json().user, 'bob');
      const list = await call(d.url, 'GET', '/v1/list?cursor=0', bob);
      assert.deepEqual(list.json(), { entries: [], cursor: 0, hasMore: false });
      // A cursor from alice's namespace shows bob nothing either.
      const later = await call(d.url, 'GET', `/v1/list?cursor=${aliceHead - 1}`, bob);
      assert.deepEqual(later.json().entries, []);
      const pending = await call(d.url, 'GET', '/v1/pending', bob);
      assert.deepEqual(pending.json().uploads, []);
      assertNothingOfAlice(pending, 'pending');
      const revisions = await call(d.url, 'GET', `/v1/revisions?path=${encodeURIComponent(SECRET_PATH)}`, bob);
      assert.deepEqual(revisions.json().revisions, []);
      const restore = await call(d.url, 'POST', '/v1/restore', bob, { path: SECRET_PATH, rev: secretRev, device: 'b' });
      assert.equal(restore.status, 404);
      assert.equal(restore.json().error.code, 'not_found');
      // The same answer as for a path nobody ever had (the message names the path bob sent).
      const never = await call(d.url, 'POST', '/v1/restore', bob, { path: 'never/was.txt', rev: secretRev, device: 'b' });
      assert.equal(restore.body.toString().replace(SECRET_PATH, 'P'), never.body.toString().replace('never/was.txt', 'P'));
      assert.deepEqual((await call(d.url, 'GET', `/v1/revisions?path=${encodeURIComponent(SECRET_PATH)}`, bob)).json().revisions, []);
    });

    it("bob's commits cannot use, replace, delete or move alice's files", async () => {
      const answer = await call(d.url, 'POST', '/v1/commit', bob, {
        device: 'b',
        changes: [
          { kind: 'put', path: 'mine.txt', parentRev: null, size: secret.bytes.length, mtime: 1, blocks: [secret.hash] },
          { kind: 'put', path: SECRET_PATH, parentRev: secretRev, size: 0, mtime: 1, blocks: [] },
          { kind: 'delete', path: SECRET_PATH, parentRev: secretRev },
          { kind: 'move', from: SECRET_PATH, fromRev: secretRev, path: 'taken.txt', parentRev: null },
        ],
      });
      assert.equal(answer.status, 200);
      const [use, replace, remove, move] = answer.json().results;
      assert.deepEqual(use, { status: 'need_blocks', missing: [secret.hash] });
      // In bob's namespace the path does not exist: his parentRev is stale, and he is shown nothing.
      assert.deepEqual(replace, { status: 'conflict', current: null });
      assert.deepEqual(remove, { status: 'conflict', current: null });
      assert.deepEqual(move, { status: 'conflict', current: null });
      assertNothingOfAlice(answer, 'commit');
      const mine = (await call(d.url, 'GET', `/v1/revisions?path=${encodeURIComponent(SECRET_PATH)}`, alice)).json().revisions;
      assert.equal(mine[0].rev, secretRev, "alice's file is untouched");
    });

    it("bob's long-poll is not woken by alice's commits and reports bob's cursor", async () => {
      const now = await call(d.url, 'GET', '/v1/longpoll?cursor=0&timeout=0&pending=0', bob);
      assert.deepEqual(now.json(), { changes: false, cursor: 0, pending: false, pendingSeq: 0 });
      const polling = call(d.url, 'GET', '/v1/longpoll?cursor=0&timeout=2&pending=0', bob);
      const note = block(100);
      assert.equal((await call(d.url, 'PUT', `/v1/blocks/${note.hash}`, alice, note.bytes)).status, 201);
      const put = { kind: 'put', path: 'alice-only/note.txt', parentRev: null, size: 100, mtime: 1, blocks: [note.hash] };
      const big = { kind: 'put', path: 'alice-only/big2.bin', parentRev: null, size: 4 * MiB + 16, mtime: 1, blocks: [block(16).hash, block(16).hash] };
      assert.equal((await call(d.url, 'POST', '/v1/commit', alice, { device: 'a', changes: [put, big] })).json().results[0].status, 'committed');
      // The poll runs to its own timeout: neither alice's commit nor her new pending upload ends it.
      assert.deepEqual((await polling).json(), { changes: false, cursor: 0, pending: false, pendingSeq: 0 });
    });

    it("bob cannot read, list or get URLs for alice's blocks: the answers equal those for a hash nobody has", async () => {
      const single = await call(d.url, 'GET', `/v1/blocks/${secret.hash}`, bob);
      const nobody = await call(d.url, 'GET', `/v1/blocks/${unknown.hash}`, bob);
      assert.equal(single.status, 404);
      assert.equal(single.json().error.code, 'not_found');
      assert.equal(single.body.toString().replace(secret.hash, 'H'), nobody.body.toString().replace(unknown.hash, 'H'));

      const many = await call(d.url, 'POST', '/v1/blocks/get', bob, { hashes: [secret.hash] });
      const manyNobody = await call(d.url, 'POST', '/v1/blocks/get', bob, { hashes: [unknown.hash] });
      assert.equal(many.status, 200);
      assert.equal(many.body.length, 36, 'one absent record');
      assert.deepEqual(many.body.subarray(32), manyNobody.body.subarray(32));

      assert.deepEqual((await call(d.url, 'POST', '/v1/blocks/missing', bob, { hashes: [secret.hash] })).json(), { missing: [secret.hash] });

      const urls = await call(d.url, 'POST', '/v1/blocks/urls', bob, { op: 'get', hashes: [secret.hash] });
      assert.deepEqual(urls.json(), { urls: [], denied: [secret.hash] });
      for (const tier of ['inhouse', 's3']) {
        const one = await call(d.url, 'POST', '/v1/blocks/urls', bob, { op: 'get', hashes: [secret.hash], tier });
        assert.deepEqual(one.json(), { urls: [], denied: [secret.hash] }, tier);
      }
      // And alice still reads her block.
      const hers = await call(d.url, 'GET', `/v1/blocks/${secret.hash}`, alice);
      assert.equal(hers.status, 200);
      assert.ok(hers.body.equals(secret.bytes));
    });

    it("GET /v1/stats shows bob his own namespace's figures, none of alice's", async () => {
      const stats = await call(d.url, 'GET', '/v1/stats', bob);
      assert.equal(stats.status, 200);
      const body = stats.json();
      assert.equal(body.tiers.inhouse.blocks + body.tiers.s3.blocks, 0);
      assert.equal(body.logicalBytes, 0);
    });

    if (start === split) {
      it('the block service refuses unsigned, wrongly signed and bearer-token requests on every route', async () => {
        const target = `${d.blockService}/v1/blocks/${secret.hash}`;
        const expiry = Math.floor(Date.now() / 1000) + 60;
        const attempts: [string, string, Record<string, string>][] = [
          ['unsigned', target, {}],
          ['a random signature', `${target}?exp=${expiry}&sig=${randomBytes(32).toString('hex')}`, {}],
          ["alice's bearer token", target, { authorization: `Bearer ${alice}` }],
          ["bob's bearer token with a random signature", `${target}?exp=${expiry}&ns=2&sig=${randomBytes(32).toString('hex')}`, { authorization: `Bearer ${bob}` }],
        ];
        // A real grant bob was given for his own block, pointed at alice's hash.
        const own = block(1000);
        assert.equal((await call(d.url, 'PUT', `/v1/blocks/${own.hash}`, bob, own.bytes)).status, 201);
        const granted = (await call(d.url, 'POST', '/v1/blocks/urls', bob, { op: 'get', hashes: [own.hash], tier: 'inhouse' })).json();
        assert.equal(granted.urls.length, 1);
        attempts.push(["bob's grant for his own block", granted.urls[0].url.replace(own.hash, secret.hash), {}]);
        for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
          for (const [name, url, headers] of attempts) {
            const body = method === 'PUT' ? randomBytes(1000) : undefined;
            const answer = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
              void import('node:http').then(({ request }) => {
                const req = request(url, { method, headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) } }, (res) => {
                  const chunks: Buffer[] = [];
                  res.on('data', (c: Buffer) => chunks.push(c));
                  res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
                });
                req.on('error', reject);
                req.end(body);
              });
            });
            const what = `${method} on the block service with ${name}`;
            // DELETE too: only the metadata service's retention sweep holds a grant for it.
            assert.equal(answer.status, 403, what);
            if (method !== 'HEAD') assert.equal(JSON.parse(answer.body.toString()).error.code, 'forbidden', what);
            assert.ok(!answer.body.includes(secret.bytes.subarray(0, 64)), `${what}: carries alice's bytes`);
            for (const dir of d.dataDirs) assert.ok(!answer.body.toString().includes(dir), `${what}: names a data dir`);
          }
        }
        // Alice's block is still there, byte for byte.
        const hers = await rawRequest('GET', (await call(d.url, 'POST', '/v1/blocks/urls', alice, { op: 'get', hashes: [secret.hash], tier: 'inhouse' })).json().urls[0].url);
        assert.equal(hers.status, 200);
        assert.ok(hers.body.equals(secret.bytes));
      });
    }
  });
}
