// `hsync status --events`: a running client numbers what happens in its folder, and the
// command prints the events after a number (docs/engine.md "Folder state and events").
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { runHsync } from '../../helpers/server-process.js';
import { startSyncProcess, processFixture, untilOnServer } from '../../helpers/sync-process.js';

const fx = processFixture();

test('hsync status --events prints the numbered events of the running client, and --since only the newer ones', { timeout: 90_000 }, async () => {
  const token = await fx.server.addUser('eventful');
  const { folder, state } = await fx.folders('events');
  await writeFile(join(folder, 'first.txt'), 'one');
  const client = startSyncProcess(fx.server.url, token, 'eventful', { folder, state });
  const remote = new HttpRemote(fx.server.url, token);
  try {
    await untilOnServer(remote, 'first.txt', client);
    const all = await runHsync(['status', '--events', '--state', state]);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^1 \d\d:\d\d:\d\d state idle → scanning$/);
    assert.ok(lines.some((l) => /^\d+ \S+ uploaded added first\.txt$/.test(l)), all.stdout);
    const seqs = lines.map((l) => Number(l.split(' ')[0]));
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'numbered from 1, none skipped');

    const status = JSON.parse((await runHsync(['status', '--json', '--state', state])).stdout);
    assert.ok(status.seq >= seqs.at(-1)!, 'the status names the newest event it includes');
    await writeFile(join(folder, 'second.txt'), 'two');
    await untilOnServer(remote, 'second.txt', client);
    const newer = await runHsync(['status', '--events', '--json', '--since', String(status.seq), '--state', state]);
    assert.equal(newer.code, 0, newer.stderr);
    const events = newer.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.ok(events.every((e) => e.seq > status.seq), 'only events after --since');
    assert.deepEqual(events.filter((e) => e.type === 'file-synced').map((e) => e.item.path), ['second.txt']);

    const bad = await runHsync(['status', '--events', '--since', '1.5', '--state', state]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since takes a whole number/);
  } finally {
    remote.close();
  }
  assert.equal(await client.stop(), 0, client.stderr());
});
