// `hsync history PATH`: the server's revisions of a file, newest first, deletions marked,
// found from the folder alone (what `hsync sync` saved), and never another account's.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { removeDirs } from '../../helpers/sync-client.js';

let server: ServerProcess;
let alice: string;
let bob: string;
const dirs: string[] = [];

before(async () => {
  server = await startServerProcess();
  [alice, bob] = [await server.addUser('alice'), await server.addUser('bob')];
});
after(async () => {
  await removeDirs(...dirs);
  await server?.dispose();
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hsync-history-${name}-`));
  dirs.push(dir);
  return dir;
}

test('hsync history lists every revision newest first, from the folder alone, and only the caller\'s', async () => {
  const home = await tempDir('home');
  const env = { XDG_STATE_HOME: join(home, 'state'), HSYNC_TOKEN: alice };
  const laptop = join(home, 'laptop');
  const desk = join(home, 'desk');
  await mkdir(laptop);
  await mkdir(join(laptop, 'notes'));
  await mkdir(desk);
  const sync = async (folder: string, device: string) => {
    const r = await runHsync(['sync', '--once', '--folder', folder, '--server', server.url, '--device', device], env);
    assert.equal(r.code, 0, r.stderr);
  };
  await writeFile(join(laptop, 'notes', 'plan.txt'), 'first');
  await sync(laptop, 'laptop');
  await sync(desk, 'desk');
  await writeFile(join(desk, 'notes', 'plan.txt'), 'second, longer');
  await sync(desk, 'desk');
  await sync(laptop, 'laptop');
  await rm(join(laptop, 'notes', 'plan.txt'));
  await sync(laptop, 'laptop');

  // No --server: the server and token hsync sync saved for the folder.
  const listed = await runHsync(['history', 'notes/plan.txt', '--folder', laptop, '--json'], { XDG_STATE_HOME: env.XDG_STATE_HOME });
  assert.equal(listed.code, 0, listed.stderr);
  const { revisions } = JSON.parse(listed.stdout) as { revisions: { rev: number; time: number; device: string; size: number; deleted: boolean }[] };
  assert.deepEqual(
    revisions.map((r) => [r.device, r.deleted, r.deleted ? 0 : r.size]),
    [['laptop', true, 0], ['desk', false, 14], ['laptop', false, 5]],
  );
  assert.ok(revisions[0].rev > revisions[1].rev && revisions[1].rev > revisions[2].rev, 'newest first');
  assert.ok(revisions.every((r) => Math.abs(r.time - Date.now()) < 120_000), 'server times');

  // The same from an absolute path inside the folder, for a person to read.
  const text = await runHsync(['history', join(laptop, 'notes', 'plan.txt'), '--folder', laptop], { XDG_STATE_HOME: env.XDG_STATE_HOME });
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^\s+\d+  \d{4}-\d\d-\d\dT[\d:.]+Z  deleted  laptop$/);
  assert.match(lines[1], /  14 bytes  desk$/);

  // Bob, naming alice's path on the same server, sees nothing of it.
  const other = await runHsync(['history', 'notes/plan.txt', '--folder', laptop, '--server', server.url, '--json'], { HSYNC_TOKEN: bob });
  assert.equal(other.code, 0, other.stderr);
  assert.deepEqual(JSON.parse(other.stdout), { revisions: [] });
});

test('hsync history refuses a path outside the folder and a folder it knows nothing about', async () => {
  const home = await tempDir('bad');
  const env = { XDG_STATE_HOME: join(home, 'state') };
  const outside = await runHsync(['history', '../etc/passwd', '--folder', home, '--server', server.url], { HSYNC_TOKEN: alice });
  assert.equal(outside.code, 2);
  assert.match(outside.stderr, /is not inside/);
  const unknown = await runHsync(['history', 'a.txt', '--folder', home], env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no saved settings for/);
  const wrong = await runHsync(['history', 'a.txt', '--folder', home, '--server', server.url], { HSYNC_TOKEN: 'not-a-token' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^hsync history: a.txt: /);
});
