// Version history through the SyncApi of a running `hsync sync` (what the status window
// calls): a file's revisions, newest first; Restore writes the chosen version into the folder
// and commits it as a new revision, which a second device then downloads; a deleted file and
// a folder as of a time come back the same way; a revision that does not exist changes
// nothing.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { blockHashOf, contentHashOf } from '../../../shared/node/blocks/content-hash.js';
import { connectControl } from '../../../shared/node/api-bridge/control-client.js';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import type { SyncApi } from '../../../shared/common/sync-api.js';
import { runHsync } from '../../helpers/server-process.js';
import { startSyncProcess, processFixture, type SyncProcess } from '../../helpers/sync-process.js';
import { waitFor } from '../../helpers/wait-for.js';

const fx = processFixture();

/** The content hash of a small file's bytes (one block). */
const hashOf = (text: string) => contentHashOf([blockHashOf(Buffer.from(text))]);

/** Waits until the server's newest revision of `path` holds `text` (null: a deletion). */
async function untilServerHas(remote: HttpRemote, path: string, text: string | null, client: SyncProcess): Promise<void> {
  await waitFor(async () => {
    const [newest] = await remote.revisions(path).catch(() => []);
    return newest !== undefined && (text === null ? newest.deleted : !newest.deleted && newest.contentHash === hashOf(text));
  }, () => `${path} on the server as ${JSON.stringify(text)}: ${client.stderr()}`);
}

async function secondDevice(token: string, name: string): Promise<string> {
  const { folder, state } = await fx.folders(name);
  const r = await runHsync(['sync', '--once', '--folder', folder, '--state', state, '--server', fx.server.url, '--device', 'desk'], { HSYNC_TOKEN: token });
  assert.equal(r.code, 0, r.stderr);
  return folder;
}

async function started(name: string): Promise<{ token: string; folder: string; client: SyncProcess; remote: HttpRemote; api: SyncApi }> {
  const token = await fx.server.addUser(name);
  const { folder, state } = await fx.folders(name);
  const client = startSyncProcess(fx.server.url, token, 'laptop', { folder, state });
  const remote = new HttpRemote(fx.server.url, token);
  await waitFor(() => readFile(join(state, 'control.json')).then(() => true, () => false), () => `control.json: ${client.stderr()}`);
  return { token, folder, client, remote, api: await connectControl(state) };
}

test('listRevisions shows a file\'s versions; restoreVersion brings the first back here, on the server and on another device', async () => {
  const { token, folder, client, remote, api } = await started('historian');
  try {
    await writeFile(join(folder, 'plan.txt'), 'first plan\n');
    await untilServerHas(remote, 'plan.txt', 'first plan\n', client);
    await writeFile(join(folder, 'plan.txt'), 'second plan, longer\n');
    await untilServerHas(remote, 'plan.txt', 'second plan, longer\n', client);

    const revisions = await api.listRevisions('plan.txt');
    assert.deepEqual(revisions.map((r) => [r.device, r.size, r.deleted]), [['laptop', 20, false], ['laptop', 11, false]]);
    assert.ok(revisions[0].rev > revisions[1].rev && revisions[0].time >= revisions[1].time, 'newest first');

    const lines = await api.restoreVersion({ path: 'plan.txt', rev: revisions[1].rev });
    assert.match(lines.join('\n'), new RegExp(`restored plan.txt \\(revision ${revisions[1].rev} of .*\\); committed as revision \\d+`));
    assert.equal(await readFile(join(folder, 'plan.txt'), 'utf8'), 'first plan\n');
    const after = await api.listRevisions('plan.txt');
    assert.equal(after.length, 3, 'the restore is a new revision; the others stay');
    assert.equal(after[0].size, 11);
    // The version that was replaced is the server's, so it is kept in the local trash, not as a copy.
    assert.deepEqual((await readdir(folder)).filter((n) => n !== '.hsync'), ['plan.txt']);

    const desk = await secondDevice(token, 'historian-desk');
    assert.equal(await readFile(join(desk, 'plan.txt'), 'utf8'), 'first plan\n');
  } finally {
    remote.close();
    await client.stop();
  }
});

test('a deleted file and a folder as of a time come back through restoreVersion; a missing revision changes nothing', async () => {
  const { token, folder, client, remote, api } = await started('restorer');
  try {
    await mkdir(join(folder, 'docs'));
    await writeFile(join(folder, 'docs', 'a.txt'), 'a as it was\n');
    await writeFile(join(folder, 'docs', 'b.txt'), 'b as it was\n');
    await writeFile(join(folder, 'gone.txt'), 'deleted by mistake\n');
    await untilServerHas(remote, 'docs/a.txt', 'a as it was\n', client);
    await untilServerHas(remote, 'docs/b.txt', 'b as it was\n', client);
    await untilServerHas(remote, 'gone.txt', 'deleted by mistake\n', client);
    const before = (await remote.revisions('docs/b.txt'))[0].committedAt;

    await rm(join(folder, 'gone.txt'));
    await writeFile(join(folder, 'docs', 'a.txt'), 'a changed later\n');
    await rm(join(folder, 'docs', 'b.txt'));
    await untilServerHas(remote, 'gone.txt', null, client);
    await untilServerHas(remote, 'docs/a.txt', 'a changed later\n', client);
    await untilServerHas(remote, 'docs/b.txt', null, client);

    // The deleted file: its history shows the deletion; Restore brings the last version back.
    const gone = await api.listRevisions('gone.txt');
    assert.deepEqual(gone.map((r) => r.deleted), [true, false]);
    await api.restoreVersion({ path: 'gone.txt' });
    assert.equal(await readFile(join(folder, 'gone.txt'), 'utf8'), 'deleted by mistake\n');

    // The folder as it was before the edits: both files as they were then.
    await api.restoreVersion({ path: 'docs', at: before });
    assert.equal(await readFile(join(folder, 'docs', 'a.txt'), 'utf8'), 'a as it was\n');
    assert.equal(await readFile(join(folder, 'docs', 'b.txt'), 'utf8'), 'b as it was\n');
    await untilServerHas(remote, 'docs/a.txt', 'a as it was\n', client);
    await untilServerHas(remote, 'docs/b.txt', 'b as it was\n', client);
    await untilServerHas(remote, 'gone.txt', 'deleted by mistake\n', client);

    // No such revision: refused, nothing on disk or on the server changes.
    const count = (await remote.revisions('gone.txt')).length;
    await assert.rejects(api.restoreVersion({ path: 'gone.txt', rev: 999_999 }), (e: Error & { code?: string }) => e.code === 'not_found' && /no revision 999999/.test(e.message));
    await assert.rejects(api.restoreVersion({ path: '../outside', rev: 1 }), (e: Error & { code?: string }) => e.code === 'invalid_path');
    assert.equal((await remote.revisions('gone.txt')).length, count);
    assert.equal(await readFile(join(folder, 'gone.txt'), 'utf8'), 'deleted by mistake\n');

    const desk = await secondDevice(token, 'restorer-desk');
    assert.equal(await readFile(join(desk, 'gone.txt'), 'utf8'), 'deleted by mistake\n');
    assert.equal(await readFile(join(desk, 'docs', 'a.txt'), 'utf8'), 'a as it was\n');
    assert.equal(await readFile(join(desk, 'docs', 'b.txt'), 'utf8'), 'b as it was\n');
  } finally {
    remote.close();
    await client.stop();
  }
});
