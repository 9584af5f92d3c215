// Names the server accepts but a device cannot hold as they are (EDGE_CASES 9, 11, 12):
// a case-only clash on a case-insensitive disk keeps both files (a "(Case Conflict)" copy),
// Windows-invalid names are reported on a Windows device and not written, the rest syncs.
// The device's rules are passed in (platform, caseInsensitive), so they run on this disk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syncFixture, type TestClient } from '../../helpers/sync-client.js';

const fx = syncFixture();

async function livePaths(client: TestClient): Promise<string[]> {
  const live = new Map<string, boolean>();
  for (let cursor = 0; ; ) {
    const page = await client.remote.list(cursor, 1000);
    for (const e of page.entries) live.set(e.path, !e.deleted);
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  return [...live].filter(([, on]) => on).map(([p]) => p).sort();
}

test('EDGE 9: A.txt and a.txt reach a case-insensitive device: the second is kept as a "(Case Conflict)" copy on every device, nothing merged or lost', async () => {
  const token = await fx.newUser();
  const linux = await fx.client(token, 'linux');
  const mac = await fx.client(token, 'mac', { caseInsensitive: true });
  await linux.write('A.txt', 'upper');
  await linux.write('a.txt', 'lower');
  await linux.write('X/one.txt', 'in upper X');
  await linux.write('x/two.txt', 'in lower x');
  await linux.write('plain.txt', 'plain');
  await linux.sync();

  await mac.sync(true);
  const expected = ['A.txt', 'X/one.txt', 'a (Case Conflict).txt', 'plain.txt', 'x/two.txt'];
  assert.deepEqual(await livePaths(mac), expected, 'the server holds both files under names that differ beyond case');
  const onMac = await mac.tree();
  assert.deepEqual(Object.keys(onMac), ['A.txt', 'X/one.txt', 'a (Case Conflict).txt', 'plain.txt']);
  assert.equal(await mac.read('A.txt'), 'upper');
  assert.equal(await mac.read('a (Case Conflict).txt'), 'lower');
  const problem = mac.engine.getStatus().problems.find((p) => p.path === 'x/two.txt');
  assert.equal(problem?.code, 'invalid_path', 'a file under a folder clashing in case is reported');
  assert.match(problem!.message, /"X" differs from a folder on its path only in letter case/);

  await linux.sync();
  assert.deepEqual(await linux.files(), expected, 'the other device converges: no a.txt, both contents kept');
  assert.equal(await linux.read('a (Case Conflict).txt'), 'lower');
  const again = await mac.sync(true);
  assert.match(again.reason ?? '', /1 file could not sync/, 'no ping-pong: only the folder clash is left');
  assert.deepEqual(await livePaths(mac), expected);
});

test('EDGE 11: names Windows cannot hold are reported with the reason on a Windows device, not written; the rest syncs, nothing is deleted at the origin', async () => {
  const token = await fx.newUser();
  const linux = await fx.client(token, 'linux');
  const windows = await fx.client(token, 'windows', { platform: 'win32' });
  const bad: Record<string, RegExp> = {
    'note:b.txt': /character ":" at position 4 of "note:b.txt" is not allowed in a Windows name/, // ("a:b" reads as a drive everywhere: the server refuses it)
    'what?.pdf': /character "\?" at position 4/,
    'CON.txt': /"CON.txt" is a reserved device name on Windows/,
    'logs/nul.log': /"nul.log" is a reserved device name/,
    'trailing ': /"trailing " ends with a space, which Windows drops/,
    'trailing.': /"trailing." ends with a dot/,
    'dir./inside.txt': /"dir." ends with a dot/,
  };
  for (const path of Object.keys(bad)) await linux.write(path, `content of ${path}`);
  await linux.write('emoji 🎉.txt', 'party');
  await linux.write('fine.txt', 'fine');
  await linux.sync();

  const outcome = await windows.sync(true);
  assert.equal(outcome.agreed, false);
  assert.deepEqual(await windows.files(), ['emoji 🎉.txt', 'fine.txt']);
  const problems = new Map(windows.engine.getStatus().problems.map((p) => [p.path, p]));
  for (const [path, reason] of Object.entries(bad)) {
    assert.equal(problems.get(path)?.code, 'invalid_path', `${path} reported`);
    assert.match(problems.get(path)!.message, reason);
  }
  assert.equal(windows.blocks.down, 2, 'nothing fetched for the refused names, and no retry storm');
  await windows.sync(true);
  assert.equal(windows.blocks.down, 2);
  await linux.sync();
  assert.deepEqual(await linux.files(), [...Object.keys(bad), 'emoji 🎉.txt', 'fine.txt'].sort(), 'nothing deleted at the origin');
});

test('EDGE 10: NFD names written on this disk sync under their NFC form and round-trip without a duplicate; a true NFC/NFD twin takes a Unicode Conflict name and both sync', async () => {
  const [a, b] = await fx.pair();
  const nfdFile = 'cafe\u0301.txt';
  const nfdDir = 'Re\u0301sume\u0301';
  await a.write(nfdFile, 'coffee');
  await a.write(`${nfdDir}/notes.txt`, 'notes');
  await a.write('twin-nai\u0308ve.txt', 'nfd twin');
  await a.write('twin-na\u00efve.txt', 'nfc twin');
  // An NFD pattern ignores the NFC name, and an NFC pattern the NFD one.
  await a.write('.hsyncignore', 'brouillon-cafe\u0301/\nnote-r\u00e9sum\u00e9.txt\n');
  await a.write('brouillon-caf\u00e9/draft.txt', 'ignored draft');
  await a.write('note-re\u0301sume\u0301.txt', 'ignored note');
  const outcome = await a.sync(true);
  assert.match(outcome.reason ?? 'agreed', /agreed|could not sync/);
  const nfc = ['Résumé/notes.txt', 'café.txt', 'twin-naïve (Unicode Conflict).txt', 'twin-naïve.txt'].map((p) => p.normalize('NFC'));
  assert.deepEqual(await livePaths(a), nfc.sort(), 'one NFC name per file on the server, the twin beside its NFC spelling');
  assert.equal(await a.read('twin-na\u00efve.txt'), 'nfc twin', 'the NFC one keeps its name');
  assert.equal(await a.read('twin-na\u00efve (Unicode Conflict).txt'), 'nfd twin', 'the NFD one is kept under the conflict name');
  assert.equal(await a.read('brouillon-caf\u00e9/draft.txt'), 'ignored draft', 'ignored in either form: kept, not uploaded');
  assert.equal(await a.read('note-re\u0301sume\u0301.txt'), 'ignored note', 'an ignored NFD name is not renamed');

  await b.sync();
  assert.equal(await b.read('café.txt'.normalize('NFC')), 'coffee');
  assert.equal(await b.read('twin-na\u00efve (Unicode Conflict).txt'), 'nfd twin', 'both twins reach the other device');
  await b.write('café.txt'.normalize('NFC'), 'coffee, edited on b');
  await b.sync();
  await a.sync(true);
  await a.sync(true);
  assert.deepEqual((await a.files()).filter((p) => !/^(twin|brouillon|note|\.hsyncignore)/.test(p)), ['Résumé/notes.txt', 'café.txt'].map((p) => p.normalize('NFC')).sort(), 'no duplicate, no NFD name left');
  assert.equal(await a.read('café.txt'.normalize('NFC')), 'coffee, edited on b');
  assert.deepEqual(await livePaths(a), nfc.sort(), 'no rename loop: the server still holds one name per file');
});
