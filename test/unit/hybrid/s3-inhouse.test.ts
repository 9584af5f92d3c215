// The in-house tier on an S3-compatible cluster, against a cluster that hangs: a loopback
// server that accepts connections and never answers. Reads, writes and the health check
// fail as 'unavailable' within the timeout (so clients fall back to S3) instead of hanging.
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { s3ConfigFrom } from '../../../server/tiers/s3-config.js';
import { S3Inhouse } from '../../../server/tiers/s3-inhouse.js';
import { S3Tier } from '../../../server/tiers/s3-tier.js';
import { S3RVER_CREDENTIALS } from '../../helpers/s3rver.js';

const sockets = new Set<Socket>();
const silent = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.resume(); // read the request, answer nothing
});
let cluster: S3Tier;
let store: S3Inhouse;

before(async () => {
  Object.assign(process.env, S3RVER_CREDENTIALS); // credentials are not what fails here
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  const config = s3ConfigFrom({ 'inhouse-s3-endpoint': `http://127.0.0.1:${port}`, 'inhouse-s3-bucket': 'home', 'inhouse-s3-region': 'us-east-1', 'inhouse-s3-path-style': true }, process.env, 'inhouse-s3')!;
  cluster = new S3Tier(config, { timeoutMs: 300 });
  store = new S3Inhouse(cluster);
});
after(async () => {
  cluster.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

test('a hung cluster: read, write and health fail as unavailable within the timeout', { timeout: 30_000 }, async () => {
  const bytes = randomBytes(1000);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const started = Date.now();
  await assert.rejects(store.read(hash, null), (e: Error & { code?: string }) => e.code === 'unavailable' && /timed out/.test(e.message));
  await assert.rejects(store.write(hash, bytes), (e: Error & { code?: string }) => e.code === 'unavailable');
  assert.equal(await store.healthy(), false);
  // Three calls, each the SDK's three attempts of 300 ms and its back-off between them.
  assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
});
