// `hsync status --events`: a running client numbers what happens in its folder, and the
// command prints the events after a number (docs/engine.md "Folder state and events").
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { removeDirs } from '../../helpers/sync-client.js';

const HSYNC = join(import.meta.dirname, '..', '..', '..', 'bin', 'hsync.js');
let server: ServerProcess;
const dirs: string[] = [];

before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await removeDirs(...dirs);
  await server?.dispose();
});

async function onServer(remote: HttpRemote, path: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await remote.list(0).catch(() => ({ entries: [] as { path: string }[] }))).entries.some((e) => e.path === path)) {
    if (Date.now() > deadline) throw new Error(`"${path}" never reached the server: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('hsync status --events prints the numbered events of the running client, and --since only the newer ones', { timeout: 90_000 }, async () => {
  const token = await server.addUser('eventful');
  const [folder, state] = await Promise.all(['folder', 'state'].map((n) => mkdtemp(join(tmpdir(), `hsync-events-${n}-`))));
  dirs.push(folder, state);
  await writeFile(join(folder, 'first.txt'), 'one');
  const child = spawn(process.execPath, [HSYNC, 'sync', '--folder', folder, '--state', state, '--server', server.url, '--device', 'eventful'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HSYNC_TOKEN: token },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const remote = new HttpRemote(server.url, token);
  try {
    await onServer(remote, 'first.txt', () => stderr);
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
    await onServer(remote, 'second.txt', () => stderr);
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
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});
