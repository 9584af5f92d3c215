// Healing from devices (docs/hybrid-storage.md): a block whose only stored copy went bad or
// missing is asked for again (GET /v1/blocks/wanted), a device whose unchanged file holds it
// uploads it again, and the other devices then get the right bytes. Real `hsync server`,
// real data dir, real scrub command, in-process clients of two users.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHsync } from '../../helpers/server-process.js';
import { randomish, syncFixture, type TestClient } from '../../helpers/sync-client.js';
import { waitFor } from '../../helpers/wait-for.js';

const fx = syncFixture();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const stored = (hash: string) => join(fx.server.dataDir, 'blocks', hash.slice(0, 2), hash);
const wanted = async (token: string): Promise<string[]> => {
  const res = await fetch(`${fx.server.url}/v1/blocks/wanted`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { wanted: string[] }).wanted;
};
const onDisk = async (client: TestClient, path: string) => sha(await readFile(join(client.root, path)));

/**
 * Two devices of one user hold v1 of a file; the laptop writes v2 (one 3 MiB block, stored
 * as a loose file) and syncs it. Returns the pair, the token and v2's block hash.
 */
async function twoDevicesAndNewVersion(seed: number): Promise<{ laptop: TestClient; desktop: TestClient; token: string; v1: string; hash: string }> {
  const [laptop, desktop, token] = await fx.pair();
  const v1 = randomish(3 * 1024 * 1024, seed);
  await laptop.write('photo.raw', v1);
  await laptop.sync();
  await desktop.sync();
  const v2 = randomish(3 * 1024 * 1024, seed + 1);
  await laptop.write('photo.raw', v2);
  await laptop.sync();
  const hash = sha(v2);
  assert.equal(sha(await readFile(stored(hash))), hash, 'v2 is stored as one loose block');
  return { laptop, desktop, token, v1: sha(v1), hash };
}

test('a bit flipped in the only stored copy: the scrub asks for it, the laptop uploads it again, the desktop gets v2', async () => {
  const { laptop, desktop, token, v1, hash } = await twoDevicesAndNewVersion(7100);
  const bad = await readFile(stored(hash));
  bad[12345] ^= 0x10;
  await writeFile(stored(hash), bad);

  const scrub = await runHsync(['server', 'scrub', '--once', '--data', fx.server.dataDir]);
  assert.equal(scrub.code, 1, `scrub reports a block it could not heal: ${scrub.stdout}${scrub.stderr}`);
  assert.match(scrub.stdout, new RegExp(`block ${hash}: corrupt, NOT healed`));
  assert.deepEqual(await wanted(token), [hash], 'the owner is asked for the block');
  assert.deepEqual(await wanted(await fx.newUser()), [], 'another user is asked for nothing');

  const stuck = await desktop.sync(true);
  assert.equal(stuck.agreed, false, 'the desktop cannot fetch v2 yet');
  assert.equal(await onDisk(desktop, 'photo.raw'), v1, 'and keeps v1 meanwhile');

  const sent = laptop.blocks.up;
  await laptop.sync();
  assert.equal(laptop.blocks.up, sent + 1, 'the laptop uploaded the wanted block again');
  assert.equal(sha(await readFile(stored(hash))), hash, 'the stored copy is good again');
  assert.deepEqual(await wanted(token), [], 'nothing is wanted any more');

  await desktop.sync();
  assert.equal(await onDisk(desktop, 'photo.raw'), hash, 'the desktop holds v2');
});

test('a block file deleted from the server: the failed read asks for it, the laptop uploads it again, the desktop gets v2', async () => {
  const { laptop, desktop, token, v1, hash } = await twoDevicesAndNewVersion(7200);
  await rm(stored(hash));

  const stuck = await desktop.sync(true);
  assert.equal(stuck.agreed, false, 'the desktop cannot fetch v2 yet');
  assert.equal(await onDisk(desktop, 'photo.raw'), v1, 'and keeps v1 meanwhile');
  assert.deepEqual(await wanted(token), [hash], 'the read that found it missing made it wanted');

  await laptop.sync();
  assert.equal(sha(await readFile(stored(hash))), hash, 'the block is stored again');
  assert.deepEqual(await wanted(token), [], 'nothing is wanted any more');

  await desktop.sync();
  assert.equal(await onDisk(desktop, 'photo.raw'), hash, 'the desktop holds v2');
});

test('running clients heal on their own: the failed download asks, the laptop hears it on its long-poll and uploads, the desktop hears the want end', async () => {
  // Long-polls of 120 s against a 60 s bound: only their wake-ups can finish in time, while a
  // loaded machine (the suite runs two files at once) still has room; alone it takes ~3 s.
  const [laptop, desktop0] = await fx.pair({ longpollSec: 120 });
  const v1 = randomish(3 * 1024 * 1024, 7300);
  await laptop.write('photo.raw', v1);
  await laptop.sync();
  await desktop0.sync();
  await desktop0.close(); // the desktop is off while v2 is written and its block lost
  const v2 = randomish(3 * 1024 * 1024, 7301);
  await laptop.write('photo.raw', v2);
  await laptop.sync();
  const hash = sha(v2);
  const bad = await readFile(stored(hash));
  bad[777] ^= 0x01;
  await writeFile(stored(hash), bad);

  await laptop.engine.start();
  const desktop = await desktop0.reopen();
  try {
    await desktop.engine.start();
    // No sync by hand and no scrub.
    await waitFor(async () => (await onDisk(desktop, 'photo.raw')) === hash, 'the desktop to hold v2', 60_000);
    assert.equal(sha(await readFile(stored(hash))), hash, 'the stored copy is good again');
  } finally {
    await desktop.close();
  }
});

test('a want made and healed between two polls still wakes a device that polls with what it saw before', async () => {
  // The race a running desktop meets: its download fails (a want), the laptop heals it at
  // once, and only then does the desktop's next long-poll arrive: the count is back at 0,
  // as the desktop last saw it, so only the list's change count can tell it to retry.
  const { laptop, desktop, token, hash } = await twoDevicesAndNewVersion(7400);
  const bad = await readFile(stored(hash));
  bad[4321] ^= 0x02;
  await writeFile(stored(hash), bad);
  const { cursor } = (await (await fetch(`${fx.server.url}/v1/longpoll?cursor=0&timeout=0&wanted=0&wantedSeq=0`, { headers: { authorization: `Bearer ${token}` } })).json()) as { cursor: number };
  assert.equal((await desktop.sync(true)).agreed, false, 'the desktop cannot fetch v2 yet');
  await laptop.sync();
  assert.deepEqual(await wanted(token), [], 'healed: the count is back at 0');

  const started = Date.now();
  const res = await fetch(`${fx.server.url}/v1/longpoll?cursor=${cursor}&timeout=30&wanted=0&wantedSeq=0`, { headers: { authorization: `Bearer ${token}` } });
  const answer = (await res.json()) as { wanted?: number; wantedSeq?: number };
  assert.equal(answer.wanted, 0);
  assert.ok((answer.wantedSeq ?? 0) >= 2, `the list changed twice (made, healed): wantedSeq ${answer.wantedSeq}`);
  assert.ok(Date.now() - started < 15_000, 'the poll answered at once, not at its 30 s timeout');
});
