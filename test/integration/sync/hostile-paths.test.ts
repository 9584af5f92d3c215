// Paths from the server are checked again on arrival: ones that would escape the root, touch
// the reserved folder or are invalid here are refused and reported; the rest keeps syncing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import type { JournalEntry } from '../../../shared/common/protocol.js';
import { contentHashOf } from '../../../shared/node/blocks/content-hash.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { syncFixture } from '../../helpers/sync-client.js';

const fx = syncFixture();

const HOSTILE = ['../escape.txt', 'a/../../escape.txt', '/tmp/absolute.txt', '.hsync/folder-id', 'sub/.hsync/x', 'ctrl\u0001.txt', 'C:/windows.txt', '',
  // The reserved folder in any case or with trailing dots/spaces, a backslash, a lone surrogate.
  '.HSYNC/folder-id', 'sub/.Hsync./x', '.hsync /x', 'back\\slash.txt', 'dir\\..\\..\\escape.txt', 'half\uD800.txt',
  // Names over 255 bytes no file system here can hold (EDGE 12): 256 ASCII bytes, 86 three-byte characters.
  `${'n'.repeat(252)}.txt`, `${'語'.repeat(86)}`,
  // Bidi overrides and isolates, which make a name display as another.
  'invoice\u202Etxt.exe', 'docs/\u2066x\u2069.txt'];

test('the server refuses hostile paths at commit time', async () => {
  const token = await fx.server.addUser('mallory');
  const remote = new HttpRemote(fx.server.url, token);
  try {
    for (const path of HOSTILE) {
      const answer = await remote.commit('evil', [{ kind: 'put', path, parentRev: null, size: 0, mtime: 0, blocks: [] }]).then(
        (r) => r.results[0].status,
        (error: { code: string }) => error.code,
      );
      assert.ok(answer === 'rejected' || answer === 'bad_request', `${JSON.stringify(path)}: ${answer}`);
    }
    assert.equal((await remote.list(0)).entries.length, 0);
  } finally {
    remote.close();
  }
});

test('a server that sends hostile paths anyway: each is refused and reported, nothing leaves the root, the rest syncs', async () => {
  const token = await fx.server.addUser('victim');
  const a = await fx.client(token, 'laptop');
  await a.write('good.txt', 'good content');
  await a.sync();
  const good = (await a.remote.list(0)).entries[0];

  const b = await fx.client(token, 'desktop');
  // A compromised or buggy server: the real journal plus forged entries reusing a real block.
  const list = b.remote.list.bind(b.remote);
  let forged = false;
  b.remote.list = async (cursor, limit) => {
    const page = await list(cursor, limit);
    if (forged) return page;
    forged = true;
    const fakes: JournalEntry[] = HOSTILE.map((path, i) => ({ ...good, id: 1000 + i, rev: 1000 + i, path, fileId: `x${i}` }));
    return { ...page, entries: [...page.entries, ...fakes] };
  };
  const outcome = await b.sync(true);
  assert.equal(outcome.agreed, false);
  assert.equal(await b.read('good.txt'), 'good content');
  const problems = b.engine.getStatus().problems;
  for (const path of HOSTILE) {
    const problem = problems.find((p) => p.path === path);
    assert.equal(problem?.code, 'invalid_path', `${JSON.stringify(path)} reported`);
    assert.match(problem!.message, /refused/);
  }
  assert.equal(await stat(join(dirname(b.root), 'escape.txt')).catch(() => null), null, 'nothing written outside the root');
  assert.equal(await stat('/tmp/absolute.txt').catch(() => null), null);
  assert.deepEqual(await b.files(), ['good.txt']);
  assert.notEqual(await b.read('.hsync/folder-id'), 'good content', 'the marker was not overwritten');
  assert.deepEqual(await readdir(join(b.root, '.hsync', 'tmp')), [], 'no temp file left');
});

test('a local file whose name holds a bidi control is reported, not uploaded and never deleted; the rest syncs, and the server refuses the name', async () => {
  const [a, b] = await fx.pair();
  const spoof = 'invoice\u202Etxt.exe'; // shows as "invoiceexe.txt"
  const isolated = 'docs/\u2067right-to-left\u2069.txt';
  await a.write(spoof, 'not what it looks like');
  await a.write(isolated, 'isolate');
  await a.write('docs/plain.txt', 'plain');
  await a.write('good.txt', 'good');
  await a.sync();
  const reasons: Record<string, RegExp> = {
    [spoof]: /bidirectional control U\+202E at position 7/,
    [isolated]: /bidirectional control U\+2067 at position 5/,
  };
  for (const [path, reason] of Object.entries(reasons)) {
    const problem = a.engine.getStatus().problems.find((p) => p.path === path);
    assert.equal(problem?.code, 'invalid_path', `${JSON.stringify(path)} reported`);
    assert.match(problem!.message, reason);
  }
  assert.deepEqual((await a.remote.list(0)).entries.map((e) => e.path).sort(), ['docs/plain.txt', 'good.txt'], 'only the plain names went up');
  await b.sync();
  assert.deepEqual(await b.files(), ['docs/plain.txt', 'good.txt']);

  await b.write('good.txt', 'good, edited on b');
  await b.sync();
  await a.sync(true);
  assert.equal(await a.read('good.txt'), 'good, edited on b', 'the rest keeps syncing');
  assert.equal(await a.read(spoof), 'not what it looks like', 'the file stays on disk');
  assert.equal(await a.read(isolated), 'isolate');

  const answer = await a.remote.commit('laptop', [{ kind: 'put', path: spoof, parentRev: null, size: 0, mtime: 0, blocks: [] }]);
  const refused = answer.results[0];
  assert.ok(refused.status === 'rejected', `the server answered ${refused.status}`);
  assert.equal(refused.error.code, 'invalid_path');
  assert.match(refused.error.message, /bidirectional control U\+202E at position 7/);
  assert.equal((await a.remote.list(0)).entries.some((e) => e.path === spoof), false, 'the server holds nothing under the name');
});

test('a file synced under a name a later rule refuses stays on disk and on the server: nothing deletes it, it is only reported', async () => {
  const token = await fx.server.addUser('legacy');
  const a = await fx.client(token, 'laptop');
  await a.write('keep.txt', 'kept');
  await a.sync();
  // The index of a client that synced `old\u202Etxt.exe` before bidi controls were refused:
  // the file on disk, its merge base, and the server's entry as that client last saw it.
  const path = 'old\u202Etxt.exe';
  const bytes = Buffer.from('legacy bytes');
  const block = createHash('sha256').update(bytes).digest('hex') as BlockHash;
  const contentHash = contentHashOf([block]);
  const kept = (await a.remote.list(0)).entries[0];
  await writeFile(join(a.root, path), bytes);
  const info = await stat(join(a.root, path));
  const entry: JournalEntry = { ...kept, id: kept.id, path, fileId: 'legacy-file', size: bytes.length, blocks: [block], contentHash };
  a.engine.index.setBase({ path, rev: entry.rev, fileId: entry.fileId, contentHash, size: entry.size, mtime: info.mtimeMs, ino: info.ino, remoteMtime: entry.mtime }, entry.blocks);
  a.engine.index.addRemote([entry], a.engine.index.cursor);
  const head = (await a.remote.list(0)).entries.length;

  await a.sync(true);
  assert.equal(await readFile(join(a.root, path), 'utf8'), 'legacy bytes', 'the file is still on this disk');
  const problem = a.engine.getStatus().problems.find((p) => p.path === path);
  assert.ok(problem, 'the name is reported');
  assert.match(problem.message, /bidirectional control/);
  assert.equal(a.engine.getStatus().problems.filter((p) => p.path !== path).length, 0, 'nothing else failed');
  assert.equal((await a.remote.list(0)).entries.length, head, 'no deletion or upload was committed for it');
  assert.equal(a.engine.index.base.has(path), true, 'its merge base is kept for when the name is renamed');
});
