// EDGE_CASES 8 (case-only renames), 12 (long names and paths, a root deep in the tree) and
// 14 (Office lock and temp files), between real clients and a real server.
import assert from 'node:assert/strict';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeDirs, syncFixture, type TestClient } from '../../helpers/sync-client.js';
import { tempDir } from '../../helpers/temp-dir.js';

const fx = syncFixture();
const extraDirs: string[] = [];
test.after(() => removeDirs(...extraDirs));

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

test('EDGE 8: a case-only rename of a file and a folder reaches the server and every peer (one on a case-insensitive disk) with no duplicate and no re-download', async () => {
  const token = await fx.newUser();
  const a = await fx.client(token, 'linux');
  const b = await fx.client(token, 'linux2');
  const c = await fx.client(token, 'mac', { caseInsensitive: true });
  await a.write('Report.txt', 'report');
  await a.write('Docs/one.txt', 'one');
  await a.write('Docs/two.txt', 'two');
  for (const client of [a, b, c]) await client.sync();

  await rename(join(a.root, 'Report.txt'), join(a.root, 'report.txt'));
  await rename(join(a.root, 'Docs'), join(a.root, 'docs'));
  await a.sync();
  const expected = ['docs/one.txt', 'docs/two.txt', 'report.txt'];
  assert.deepEqual(await livePaths(a), expected, 'the server has the new case only');
  for (const client of [b, c]) {
    const before = client.blocks.down;
    await client.sync();
    assert.deepEqual(await client.files(), expected, `${client.device}: new case, no duplicate pair`);
    assert.equal(await client.read('report.txt'), 'report');
    assert.equal(client.blocks.down, before, `${client.device}: renamed in place, nothing downloaded`);
    assert.deepEqual(await readdir(join(client.root, '.hsync', 'tmp')), [], `${client.device}: no temp file left`);
    assert.equal((await client.sync(true)).agreed, true, `${client.device}: in sync, not merely "up to date"`);
  }
  assert.deepEqual(await livePaths(a), expected);
});

test('EDGE 12: a 255-byte name and a 300-character path sync; under a root deep in the tree a path over the system limit is reported, the rest syncs', async () => {
  const [a, b, token] = await fx.pair();
  const longName = `${'n'.repeat(251)}.txt`;
  const longPath = `${'d'.repeat(100)}/${'e'.repeat(100)}/${'f'.repeat(95)}.txt`;
  await a.write(longName, 'long name');
  await a.write(longPath, 'long path');
  await a.write('short.txt', 'short');
  await a.sync();
  await b.sync();
  assert.equal(await b.read(longName), 'long name');
  assert.equal(await b.read(longPath), 'long path');

  // A root 3,820 bytes deep: its temp files and the 255-byte name still fit under the 4,095
  // bytes Linux allows, the 300-character path does not.
  const top = tempDir('hsync-deep-');
  extraDirs.push(top);
  const segments = Array.from({ length: 18 }, (_, i) => `${i}`.padEnd(200, 'r'));
  const root = join(top, ...segments, 'r'.repeat(3820 - join(top, ...segments).length - 1));
  await mkdir(root, { recursive: true });
  const deep = await fx.client(token, 'deep', { root });
  const outcome = await deep.sync(true);
  assert.equal(outcome.agreed, false);
  assert.deepEqual(await deep.files(), [longName, 'short.txt'].sort());
  const problem = deep.engine.getStatus().problems.find((p) => p.path === longPath);
  assert.equal(problem?.code, 'invalid_path');
  assert.match(problem!.message, /its full path here is \d+ bytes, over this system's limit of 4095/);
  assert.deepEqual(await readdir(join(root, '.hsync', 'tmp')), [], 'no temp file left');
  assert.equal(deep.blocks.down, 2, 'nothing fetched for the path that cannot be written');
});

test('EDGE 14: Office lock and temp files are never uploaded and never shown as problems; the document is uploaded once', async () => {
  const [a, b] = await fx.pair();
  for (const junk of ['~$report.docx', '~WRL0001.tmp', 'ppt1234.tmp', 'x.tmp', '.~lock.report.docx#']) await a.write(junk, 'lock or temp');
  await a.write('report.docx', 'the document');
  await a.sync();
  assert.deepEqual(await livePaths(a), ['report.docx']);
  assert.deepEqual(a.engine.getStatus().problems, []);
  assert.equal(a.blocks.up, 1, 'one upload: the document');
  await b.sync();
  assert.deepEqual(await b.files(), ['report.docx']);
});
