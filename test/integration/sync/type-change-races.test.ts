// EDGE_CASES 22, the races: a name that changes between file and folder on one device while
// the other deletes it, changes its type too, or changes what is inside. Each runs in both
// orders of who syncs first; both devices and the server end alike one round after both have
// synced, and no saved version is lost (docs/engine.md "Type changes").
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { syncFixture } from '../../helpers/sync-client.js';
import { assertBothHold, assertNothingLost, copyOf, hashOfText, ORDERS, raceRounds, racingPair, serverLive, toFile, toFolder } from '../../helpers/two-device-race.js';

const fx = syncFixture();

for (const order of ORDERS) {
  test(`type race, delete vs file→folder (${order}): A deletes f, B turns f into a folder; the folder survives`, async () => {
    const { a, b, first, second } = await racingPair(fx, { f: 'the original f' }, order);
    await rm(join(a.root, 'f'));
    await toFolder(b, 'f', 'inner.txt', 'B folder content');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'f/inner.txt': 'B folder content' });
    await assertNothingLost(a, b, [{ device: 'base', path: 'f', text: 'the original f' }]);
  });

  test(`type race, delete vs folder→file (${order}): A deletes d/, B replaces d with a file; the file survives`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'd/x.txt': 'x in d', 'd/y.txt': 'y in d' }, order);
    await rm(join(a.root, 'd'), { recursive: true });
    await toFile(b, 'd', 'B made d a file');
    await raceRounds(first, second);
    await assertBothHold(a, b, { d: 'B made d a file' });
    await assertNothingLost(a, b, [
      { device: 'base', path: 'd/x.txt', text: 'x in d' },
      { device: 'base', path: 'd/y.txt', text: 'y in d' },
    ]);
  });

  test(`type race, delete vs a deeper file→folder (${order}): A deletes d/, B turns d/e into a folder; B's folder survives`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'd/e': 'e in d', 'd/z': 'z in d' }, order);
    await rm(join(a.root, 'd'), { recursive: true });
    await toFolder(b, 'd/e', 'inner.txt', 'B folder content');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'd/e/inner.txt': 'B folder content' });
    await assertNothingLost(a, b, [
      { device: 'base', path: 'd/e', text: 'e in d' },
      { device: 'base', path: 'd/z', text: 'z in d' },
    ]);
  });

  test(`type race, file→folder on both (${order}): A adds f/a.txt, B adds f/b.txt; the folders merge`, async () => {
    const { a, b, first, second } = await racingPair(fx, { f: 'the original f' }, order);
    await toFolder(a, 'f', 'a.txt', 'from A');
    await toFolder(b, 'f', 'b.txt', 'from B');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'f/a.txt': 'from A', 'f/b.txt': 'from B' });
    await assertNothingLost(a, b, [{ device: 'base', path: 'f', text: 'the original f' }]);
  });

  test(`type race, file→folder on both with one file name (${order}): f/a.txt from each; the first keeps it, the other is a conflicted copy`, async () => {
    const { a, b, first, second } = await racingPair(fx, { f: 'the original f' }, order);
    await toFolder(a, 'f', 'a.txt', 'a.txt from A');
    await toFolder(b, 'f', 'a.txt', 'a.txt from B');
    await raceRounds(first, second);
    const text = new Map([[a, 'a.txt from A'], [b, 'a.txt from B']]);
    await assertBothHold(a, b, { 'f/a.txt': text.get(first)!, [copyOf('f/a.txt', second)]: text.get(second)! });
    await assertNothingLost(a, b, [{ device: 'base', path: 'f', text: 'the original f' }]);
  });

  test(`type race, folder→file on both (${order}): A writes X, B writes Y at d; the first keeps the name, the other is a conflicted copy`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'd/x.txt': 'x in d' }, order);
    await toFile(a, 'd', 'X from A');
    await toFile(b, 'd', 'Y from B');
    await raceRounds(first, second);
    const text = new Map([[a, 'X from A'], [b, 'Y from B']]);
    await assertBothHold(a, b, { d: text.get(first)!, [copyOf('d', second)]: text.get(second)! });
    await assertNothingLost(a, b, [{ device: 'base', path: 'd/x.txt', text: 'x in d' }]);
  });

  test(`type race, folder→file vs an edit inside (${order}): A makes d a file, B edits d/x.txt; the folder keeps the name`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'd/x.txt': 'x in d', 'd/y.txt': 'y in d' }, order);
    await toFile(a, 'd', 'A made d a file');
    await b.write('d/x.txt', 'x edited on B, longer');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'd/x.txt': 'x edited on B, longer', [copyOf('d', a)]: 'A made d a file' });
    await assertNothingLost(a, b, [{ device: 'base', path: 'd/y.txt', text: 'y in d' }]);
  });

  test(`type race, folder→file vs a file added inside (${order}): A makes d a file, B adds d/new.txt; the added file survives`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'd/x.txt': 'x in d' }, order);
    await toFile(a, 'd', 'A made d a file');
    await b.write('d/new.txt', 'added on B');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'd/new.txt': 'added on B', [copyOf('d', a)]: 'A made d a file' });
    await assertNothingLost(a, b, [{ device: 'base', path: 'd/x.txt', text: 'x in d' }]);
  });

  test(`type race, folder→file vs a deeper file→folder (${order}): A makes d a file, B turns d/x into a folder; B's folder keeps the name`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'd/x': 'x in d' }, order);
    await toFile(a, 'd', 'A made d a file');
    await toFolder(b, 'd/x', 'inner.txt', 'B folder content');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'd/x/inner.txt': 'B folder content', [copyOf('d', a)]: 'A made d a file' });
    await assertNothingLost(a, b, [{ device: 'base', path: 'd/x', text: 'x in d' }]);
  });

  test(`type race, file→empty folder vs an edit (${order}): an empty folder holds no name, B's edit takes it on both`, async () => {
    const { a, b, first, second } = await racingPair(fx, { f: 'the original f' }, order);
    await rm(join(a.root, 'f'));
    await mkdir(join(a.root, 'f'));
    await b.write('f', 'edited on B, longer');
    await raceRounds(first, second);
    await assertBothHold(a, b, { f: 'edited on B, longer' });
    await assertNothingLost(a, b, [{ device: 'base', path: 'f', text: 'the original f' }]);
  });

  test(`type race, folder→file vs a folder holding only ignored files (${order}): the folder keeps the name, the file is a conflicted copy`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'd/x.txt': 'x in d' }, order);
    await writeFile(join(b.root, 'd', '.DS_Store'), 'finder junk');
    await toFile(a, 'd', 'A made d a file');
    await raceRounds(first, second);
    const copy = copyOf('d', a);
    assert.deepEqual(await a.files(), [copy]);
    assert.deepEqual(await b.files(), [copy, 'd/.DS_Store'], 'the ignored file stays where it was');
    for (const c of [a, b]) {
      assert.equal(await c.read(copy), 'A made d a file', c.device);
      assert.deepEqual(c.engine.getStatus().problems, [], c.device);
    }
    assert.deepEqual(await serverLive(a), { [copy]: hashOfText('A made d a file') });
    await assertNothingLost(a, b, [{ device: 'base', path: 'd/x.txt', text: 'x in d' }]);
  });
}
