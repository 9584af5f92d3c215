// A server whose journal entries lie about anything but the path (hashes, sizes, mtimes,
// revisions) or whose cursor never advances: each bad entry is refused and reported, never
// used to name a file, and the rest keeps syncing; a stuck cursor ends the pull with an error.
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { BLOCK_SIZE } from '../../../shared/common/blocks.js';
import type { JournalEntry } from '../../../shared/common/protocol.js';
import { contentHashOf } from '../../../shared/node/blocks/content-hash.js';
import { journalProxy } from '../../helpers/journal-proxy.js';
import { makeClient, removeDirs, syncFixture } from '../../helpers/sync-client.js';

const fx = syncFixture();

test('journal entries with a bad hash, size, mtime or rev are refused and reported; nothing is written for them; the rest syncs', async () => {
  const token = await fx.newUser();
  const a = await fx.client(token, 'laptop');
  await a.write('good.txt', 'good content');
  await a.write('other.txt', 'other content');
  await a.sync();
  const real = (await a.remote.list(0)).entries;
  const good = real.find((e) => e.path === 'good.txt')!;
  const block = good.blocks[0];
  // Forged entries reuse a real block, so only the lying field can stop them.
  const forged: Record<string, Partial<JournalEntry> | Record<string, unknown>> = {
    'escape-hash.txt': { contentHash: '../../../hsync-escaped' }, // the temp file is named after the hash
    'wrong-hash.txt': { contentHash: contentHashOf([block, block]) },
    'bad-block.txt': { blocks: ['../../'.padEnd(64, 'x')], contentHash: '0'.repeat(64) },
    'big-size.txt': { size: BLOCK_SIZE * 3 },
    'odd-size.txt': { size: -12 },
    'no-mtime.txt': { mtime: 'yesterday' },
    'zero-rev.txt': { rev: 0 },
    'half-rev.txt': { rev: 1.5 },
  };
  const proxy = await journalProxy(fx.server.url, (page) => {
    const last = page.entries.at(-1)?.id ?? page.cursor;
    const fakes = Object.entries(forged).map(([path, change], i) => ({ ...good, id: last + i + 1, fileId: `forged${i}`, path, ...change }));
    return { ...page, entries: [...page.entries, ...fakes], cursor: last + fakes.length };
  });
  const b = await makeClient(proxy.url, token, 'desktop');
  try {
    const outcome = await b.sync(true);
    assert.equal(outcome.agreed, false, 'the refused entries keep the folder from agreeing');
    assert.deepEqual(await b.files(), ['good.txt', 'other.txt'], 'only the real files are written');
    assert.equal(await b.read('good.txt'), 'good content');
    const problems = new Map(b.engine.getStatus().problems.map((p) => [p.path, p]));
    for (const path of Object.keys(forged)) {
      assert.equal(problems.get(path)?.code, 'bad_request', `${path} reported`);
      assert.match(problems.get(path)!.message, new RegExp(`^download "${path}": refused, `));
    }
    assert.equal(await stat(join(dirname(b.root), 'hsync-escaped.part')).catch(() => null), null, 'no file named after a hash outside the root');
    assert.deepEqual(await readdir(join(b.root, '.hsync', 'tmp')), [], 'no temp file left');
  } finally {
    await b.close();
    await removeDirs(b.root, b.stateDir);
    await proxy.close();
  }
});

test('a cursor that never advances ends the pull with an error instead of looping', { timeout: 20_000 }, async () => {
  const token = await fx.newUser();
  const a = await fx.client(token, 'laptop');
  await a.write('one.txt', 'one');
  await a.sync();
  // Always one more page, always at the cursor asked from.
  const proxy = await journalProxy(fx.server.url, (page, cursor) => ({ entries: [], cursor, hasMore: true }));
  const b = await makeClient(proxy.url, token, 'desktop');
  try {
    const outcome = await b.sync(true);
    assert.equal(outcome.agreed, false);
    assert.equal(b.engine.getStatus().error?.code, 'bad_request');
    assert.match(outcome.reason!, /^list journal from 0: the cursor did not advance \(still 0\)/);
    assert.equal(proxy.lists, 1, 'asked once, not again and again');
    assert.deepEqual(await b.files(), []);
  } finally {
    await b.close();
    await removeDirs(b.root, b.stateDir);
    await proxy.close();
  }
});
