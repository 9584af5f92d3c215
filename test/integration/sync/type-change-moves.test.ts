// EDGE_CASES 22 against EDGE 7: a name that changes between file and folder on one device
// while the other moves it, or the folder around it. Each runs in both orders of who syncs
// first; both devices and the server end alike, and no saved version is lost. The server
// knows files, not folders: a folder move moves the files it holds, and a name made inside
// the old folder meanwhile stays where it was made (docs/engine.md "Type changes").
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { syncFixture } from '../../helpers/sync-client.js';
import { assertBothHold, assertNothingLost, copyOf, ORDERS, raceRounds, racingPair, toFile, toFolder } from '../../helpers/two-device-race.js';

const fx = syncFixture();

for (const order of ORDERS) {
  test(`type race in a moved folder (${order}): A moves p/ to q/, B turns p/f into a folder; the moved files and B's folder survive`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'p/f': 'the original f', 'p/g': 'g stays a file' }, order);
    await rename(join(a.root, 'p'), join(a.root, 'q'));
    await toFolder(b, 'p/f', 'inner.txt', 'B folder content');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'p/f/inner.txt': 'B folder content', 'q/f': 'the original f', 'q/g': 'g stays a file' });
    await assertNothingLost(a, b, [{ device: 'base', path: 'p/f', text: 'the original f' }]);
  });

  test(`type race, a moved folder made a file (${order}): A moves p/ to q/, B replaces p with a file; both survive`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'p/f': 'f in p', 'p/g': 'g in p' }, order);
    await rename(join(a.root, 'p'), join(a.root, 'q'));
    await toFile(b, 'p', 'B made p a file');
    await raceRounds(first, second);
    await assertBothHold(a, b, { p: 'B made p a file', 'q/f': 'f in p', 'q/g': 'g in p' });
    await assertNothingLost(a, b, [{ device: 'base', path: 'p/f', text: 'f in p' }]);
  });

  test(`type race, a renamed file made a folder (${order}): A renames f to g, B turns f into a folder; both survive`, async () => {
    const { a, b, first, second } = await racingPair(fx, { f: 'the original f' }, order);
    await rename(join(a.root, 'f'), join(a.root, 'g'));
    await toFolder(b, 'f', 'a.txt', 'B folder content');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'f/a.txt': 'B folder content', g: 'the original f' });
  });

  test(`type race, a file moved into a folder made a file (${order}): A moves f into d/, B replaces d with a file; the folder keeps the name`, async () => {
    const { a, b, first, second } = await racingPair(fx, { f: 'the original f', 'd/x': 'x in d' }, order);
    await rename(join(a.root, 'f'), join(a.root, 'd/f'));
    await toFile(b, 'd', 'B made d a file');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'd/f': 'the original f', [copyOf('d', b)]: 'B made d a file' });
    await assertNothingLost(a, b, [{ device: 'base', path: 'd/x', text: 'x in d' }]);
  });

  test(`type race, a folder renamed and a file made at its name (${order}): A moves d/ to e/ and writes d, B adds d/new.txt; the folder keeps the name`, async () => {
    const { a, b, first, second } = await racingPair(fx, { 'd/x': 'x in d' }, order);
    await rename(join(a.root, 'd'), join(a.root, 'e'));
    await a.write('d', 'A file at d');
    await b.write('d/new.txt', 'added on B');
    await raceRounds(first, second);
    await assertBothHold(a, b, { 'd/new.txt': 'added on B', [copyOf('d', a)]: 'A file at d', 'e/x': 'x in d' });
  });
}
