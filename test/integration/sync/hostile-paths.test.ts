// Paths from the server are checked again on arrival: ones that would escape the root, touch
// the reserved folder or are invalid here are refused and reported; the rest keeps syncing.
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { JournalEntry } from '../../../shared/common/protocol.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { syncFixture } from '../../helpers/sync-client.js';

const fx = syncFixture();

const HOSTILE = ['../escape.txt', 'a/../../escape.txt', '/tmp/absolute.txt', '.hsync/folder-id', 'sub/.hsync/x', 'ctrl\u0001.txt', 'C:/windows.txt', '',
  // The reserved folder in any case or with trailing dots/spaces, a backslash, a lone surrogate.
  '.HSYNC/folder-id', 'sub/.Hsync./x', '.hsync /x', 'back\\slash.txt', 'dir\\..\\..\\escape.txt', 'half\uD800.txt',
  // Names over 255 bytes no file system here can hold (EDGE 12): 256 ASCII bytes, 86 three-byte characters.
  `${'n'.repeat(252)}.txt`, `${'語'.repeat(86)}`];

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
