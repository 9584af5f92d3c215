// The in-house tier on a real Ceph cluster (RADOS Gateway from Debian, scripts/ceph-dev.sh),
// s3rver as the public S3 tier, a real `hsync server` and `hsync sync --once` clients:
// devices sync byte-exact through it, the bytes are objects in the RGW bucket, a corrupt
// object is found by the scrub and healed, with the gateway stopped uploads fall back
// to S3 and come home once it is back, and past the retention the objects of blocks no
// revision uses any more are deleted from the bucket.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { BLOCK_SIZE } from '../../../shared/common/blocks.js';
import { blockHashOf } from '../../../shared/node/blocks/content-hash.js';
import { cephSkipReason, startCephRgw, type CephRgw } from '../../helpers/ceph-rgw.js';
import { device, syncCli, tree, writeFiles, type Device } from '../../helpers/hybrid-devices.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { startS3rver, type S3rverPeer } from '../../helpers/s3rver.js';
import { randomish } from '../../helpers/sync-client.js';
import { waitFor } from '../../helpers/wait-for.js';

const BUCKET = 'hsync-inhouse';
const MiB = 1024 * 1024;

describe('in-house tier on Ceph RGW', { skip: cephSkipReason() }, () => {
  let rgw: CephRgw;
  let s3: S3rverPeer;
  let server: ServerProcess;
  /** The same data dir served again with the sweep's clock moved (the last test). */
  let later: ServerProcess | null = null;
  let env: Record<string, string>;
  let inhouseFlags: string[];
  const devices: Device[] = [];

  before(async () => {
    rgw = await startCephRgw();
    await rgw.createBucket(BUCKET);
    s3 = await startS3rver();
    // Two credential sets: s3rver's as the profile of the standard chain, the gateway's as
    // the in-house tier's named profile.
    const credentials = await mkdtemp(join(tmpdir(), 'hsync-aws-'));
    await writeFile(
      join(credentials, 'credentials'),
      `[s3rver]\naws_access_key_id = ${s3.env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${s3.env.AWS_SECRET_ACCESS_KEY}\n` +
        `[ceph]\naws_access_key_id = ${rgw.accessKey}\naws_secret_access_key = ${rgw.secretKey}\n`,
      { mode: 0o600 },
    );
    env = {
      AWS_SHARED_CREDENTIALS_FILE: join(credentials, 'credentials'),
      AWS_CONFIG_FILE: join(credentials, 'config'),
      AWS_PROFILE: 's3rver',
      AWS_REGION: s3.region,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    inhouseFlags = ['--inhouse-s3-endpoint', rgw.endpoint, '--inhouse-s3-bucket', BUCKET, '--inhouse-s3-region', rgw.region, '--inhouse-s3-path-style', '--inhouse-s3-profile', 'ceph'];
    server = await startServerProcess({ env, args: serverArgs() });
  });
  after(async () => {
    await later?.dispose();
    await server?.dispose();
    await s3?.stop();
    await rgw?.stop();
    if (env) await rm(join(env.AWS_SHARED_CREDENTIALS_FILE, '..'), { recursive: true, force: true });
    for (const d of devices) await Promise.all([rm(d.root, { recursive: true, force: true }), rm(d.state, { recursive: true, force: true })]);
  });

  const newDevice = async (name: string, token: string) => {
    const d = await device(name, token);
    devices.push(d);
    return d;
  };
  /** `hsync server`'s flags: both tiers, and no background jobs but the retention sweep. */
  const serverArgs = () => [...s3.flags, ...inhouseFlags, '--repatriate-every-sec', '0', '--scrub-rate-mb', '0'];
  const sync = (d: Device) => syncCli(server.url, d);
  /** `hsync server SUB` on the running server's data dir with both tiers' flags. */
  const admin = (sub: string[]) => runHsync(['server', ...sub, '--data', server.dataDir, ...s3.flags, ...inhouseFlags], env);
  const stats = async () => {
    const result = await runHsync(['server', 'stats', '--data', server.dataDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { tiers: { inhouse: { blocks: number }; s3: { blocks: number } }; pendingRepatriation: number };
  };
  /** Block objects in the gateway's bucket, each read back and hash-checked against its name. */
  const rgwBlocks = async () => {
    const out = new Map<string, boolean>();
    const list = await rgw.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'blocks/' }));
    for (const object of list.Contents ?? []) {
      const hash = object.Key!.slice('blocks/'.length);
      out.set(hash, (await rgw.hashOf(BUCKET, object.Key!)) === hash);
    }
    return out;
  };

  test('two devices sync byte-exact through it; every block is an object in the RGW bucket', async () => {
    const token = await server.addUser('alice');
    const a = await newDevice('a', token);
    const b = await newDevice('b', token);
    await writeFiles(a.root, 'photos', [5 * MiB + 123, 2 * MiB, MiB + 7]);
    await writeFiles(a.root, 'notes', Array.from({ length: 12 }, (_, i) => 200 + i * 51));
    const up = await sync(a);
    assert.equal(up.code, 0, up.stderr);
    const down = await sync(b);
    assert.equal(down.code, 0, down.stderr);
    const expected = await tree(a.root);
    assert.equal(Object.keys(expected).length, 15);
    assert.deepEqual(await tree(b.root), expected);

    const counts = await stats();
    assert.equal(counts.tiers.s3.blocks, 0, 'nothing fell back to S3');
    const objects = await rgwBlocks();
    assert.equal(objects.size, counts.tiers.inhouse.blocks, 'one RGW object per in-house block');
    assert.ok(objects.size >= 4 + 12, `${objects.size} objects for 4 large blocks and 12 small files`);
    assert.ok([...objects.values()].every(Boolean), 'every object holds the bytes of its hash');
  });

  test('a corrupt object in RGW is found by the scrub, asked for from the device, and healed', async () => {
    const token = await server.addUser('carol');
    const a = await newDevice('ca', token);
    await writeFile(join(a.root, 'report.bin'), randomBytes(300_000));
    assert.equal((await sync(a)).code, 0);
    const before = await rgwBlocks();
    // report.bin is one block (under 4 MiB): its hash is the file's.
    const hash = createHash('sha256').update(await readFile(join(a.root, 'report.bin'))).digest('hex');
    assert.equal(before.get(hash), true);
    await rgw.put(BUCKET, `blocks/${hash}`, randomBytes(300_000));

    const scrub = await admin(['scrub', '--once']);
    assert.equal(scrub.code, 1, `scrub reports a block it could not heal; ${scrub.stdout} ${scrub.stderr}`);
    assert.match(scrub.stdout, new RegExp(`block ${hash}: corrupt, NOT healed .*report\\.bin`));

    // The device hears that its block is wanted and uploads it again; the upload rewrites the object.
    const heal = await sync(a);
    assert.equal(heal.code, 0, heal.stderr);
    assert.equal(await rgw.hashOf(BUCKET, `blocks/${hash}`), hash, 'the RGW object holds the block again');
    const again = await admin(['scrub', '--once']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  test('gateway stopped: uploads fall back to S3, another device converges, repatriation brings them home', async () => {
    const token = await server.addUser('dora');
    const a = await newDevice('da', token);
    const b = await newDevice('db', token);
    await writeFiles(a.root, 'big', [3 * MiB, MiB + 1]);
    await writeFiles(a.root, 'small', Array.from({ length: 6 }, (_, i) => 100 + i));
    await rgw.stopGateway();
    try {
      const up = await sync(a);
      assert.equal(up.code, 0, `A finishes through the fallback; ${up.stderr}`);
      const during = await stats();
      assert.ok(during.tiers.s3.blocks >= 8, `${during.tiers.s3.blocks} blocks in S3`);
      assert.equal(during.pendingRepatriation, during.tiers.s3.blocks);
      const down = await sync(b);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(await tree(b.root), await tree(a.root));
    } finally {
      await rgw.startGateway();
    }
    const home = await admin(['repatriate', '--once', '--grace-sec', '0']);
    assert.equal(home.code, 0, home.stdout + home.stderr);
    const after = await stats();
    assert.equal(after.tiers.s3.blocks, 0, 'S3 emptied by the sweep');
    assert.equal(after.pendingRepatriation, 0);
    const objects = await rgwBlocks();
    assert.equal(objects.size, after.tiers.inhouse.blocks);
    assert.ok([...objects.values()].every(Boolean));
    const c = await newDevice('dc', token);
    assert.equal((await sync(c)).code, 0);
    assert.deepEqual(await tree(c.root), await tree(a.root), 'a new device downloads from the cluster');
  });

  test('past the retention, the objects of blocks only old revisions used leave the RGW bucket; live and shared blocks stay', async () => {
    const token = await server.addUser('erin');
    const bobToken = await server.addUser('bob');
    const laptop = await newDevice('ea', token);
    const bob = await newDevice('eb', bobToken);
    // report.bin v2 changes the first block only, so the second is shared by both revisions;
    // photo.bin v1 is a block bob stores too, in a live file of his own.
    const [unique, shared, changed, bobsToo] = [31, 32, 33, 34].map((seed) => randomish(BLOCK_SIZE, seed));
    await writeFile(join(laptop.root, 'report.bin'), Buffer.concat([unique, shared]));
    await writeFile(join(laptop.root, 'photo.bin'), bobsToo);
    await writeFile(join(laptop.root, 'small.txt'), 'the old small file\n');
    assert.equal((await sync(laptop)).code, 0);
    await writeFile(join(bob.root, 'same.bin'), bobsToo);
    assert.equal((await sync(bob)).code, 0);
    const newPhoto = randomish(BLOCK_SIZE / 2, 35);
    await writeFile(join(laptop.root, 'report.bin'), Buffer.concat([changed, shared]));
    await writeFile(join(laptop.root, 'photo.bin'), newPhoto);
    await writeFile(join(laptop.root, 'small.txt'), 'the new small file\n');
    assert.equal((await sync(laptop)).code, 0);
    const oldSmall = blockHashOf(Buffer.from('the old small file\n'));
    const live = [shared, changed, bobsToo, newPhoto].map(blockHashOf).concat(blockHashOf(Buffer.from('the new small file\n')));
    const before = await rgwBlocks();
    for (const hash of [...live, blockHashOf(unique), oldSmall]) assert.equal(before.get(hash), true, `block ${hash} is an object in the bucket`);

    // A month and a day later, by the sweep's clock (a new process: it wrote nothing lately).
    await server.stop();
    later = await startServerProcess({
      dataDir: server.dataDir,
      env: { ...env, HSYNC_TEST_CLOCK_OFFSET_MS: String(31 * 24 * 3600_000) },
      args: serverArgs(),
    });
    await waitFor(() => /retention: \d+ revisions/.test(later!.stderr()), () => `a retention pass: ${later!.stderr()}`);
    assert.match(later.stderr(), /retention: 3 revisions older than 30 days dropped; 2 blocks /);
    assert.doesNotMatch(later.stderr(), /the in-house store kept/);

    const after = await rgwBlocks();
    assert.ok(!after.has(blockHashOf(unique)), 'the object of the block only report.bin v1 used is deleted');
    assert.ok(!after.has(oldSmall), 'so is the old small file\'s');
    for (const hash of live) assert.equal(after.get(hash), true, `block ${hash} a live file uses stays, byte-exact`);
    assert.ok(after.has(blockHashOf(bobsToo)), 'bob\'s live file still uses the block of erin\'s old photo.bin');

    const desk = await newDevice('ec', token);
    const down = await syncCli(later.url, desk);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await tree(desk.root), await tree(laptop.root), 'a new device downloads every live file byte-exact');
    const bobsDesk = await newDevice('ed', bobToken);
    assert.equal((await syncCli(later.url, bobsDesk)).code, 0);
    assert.deepEqual(await tree(bobsDesk.root), await tree(bob.root));
  });

  test('a delete the cluster does not answer is counted and logged; the live file stays and downloads byte-exact', async () => {
    const token = await server.addUser('frank');
    const a = await newDevice('fa', token);
    const [old, current] = [41, 42].map((seed) => randomish(BLOCK_SIZE, seed));
    await writeFile(join(a.root, 'draft.bin'), old);
    assert.equal((await syncCli(later!.url, a)).code, 0);
    await writeFile(join(a.root, 'draft.bin'), current);
    assert.equal((await syncCli(later!.url, a)).code, 0);
    // Started again (forgetting what it wrote) with the gateway down: the sweep cannot delete.
    await later!.stop();
    await rgw.stopGateway();
    try {
      await later!.restart();
      await waitFor(() => /the in-house store kept/.test(later!.stderr()), () => `a retention pass that could not delete: ${later!.stderr()}`, 60_000);
    } finally {
      await rgw.startGateway();
    }
    assert.match(later!.stderr(), /1 revisions older than 30 days dropped; 1 blocks .*the in-house store kept 1 of them \(written lately, or not reached: delete block [0-9a-f]{64} from S3/);
    const objects = await rgwBlocks();
    assert.equal(objects.get(blockHashOf(current)), true, 'the live block stays, byte-exact');
    assert.equal(objects.get(blockHashOf(old)), true, 'the object the delete did not reach stays, unused');
    const desk = await newDevice('fb', token);
    assert.equal((await syncCli(later!.url, desk)).code, 0);
    assert.deepEqual(await tree(desk.root), await tree(a.root));
  });
});
