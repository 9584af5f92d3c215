// `hsync status --ignored`: the running client lists the paths its ignore rules keep out of
// sync (docs/engine.md "Ignore rules"), an ignored folder once, with the rules that ignore it;
// none of them reaches the server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
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

test('hsync status --ignored lists the ignored paths of the running client, folders once, and none is on the server', async () => {
  const token = await server.addUser('ignorer');
  const [folder, state] = await Promise.all(['folder', 'state'].map((n) => mkdtemp(join(tmpdir(), `hsync-ignored-${n}-`))));
  dirs.push(folder, state);
  await writeFile(join(folder, '.hsyncignore'), 'build/\n*.log\n');
  await mkdir(join(folder, 'build', 'deep'), { recursive: true });
  await writeFile(join(folder, 'build', 'deep', 'x.o'), 'object');
  await mkdir(join(folder, 'src'));
  await writeFile(join(folder, 'src', 'main.c'), 'int main;');
  await writeFile(join(folder, 'src', 'run.log'), 'log');
  await writeFile(join(folder, 'src', 'main.c.swp'), 'swap');
  await writeFile(join(folder, '.DS_Store'), 'finder');

  const child = spawn(process.execPath, [HSYNC, 'sync', '--folder', folder, '--state', state, '--server', server.url, '--device', 'ignorer'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HSYNC_TOKEN: token },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const remote = new HttpRemote(server.url, token);
  try {
    // Synced once the one file that is not ignored is on the server.
    const deadline = Date.now() + 20_000;
    while (!(await remote.list(0).catch(() => ({ entries: [] as { path: string }[] }))).entries.some((e) => e.path === 'src/main.c')) {
      if (Date.now() > deadline) throw new Error(`no sync: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const text = await runHsync(['status', '--ignored', '--state', state]);
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(text.stdout.trimEnd().split('\n'), [
      '.DS_Store  (built-in)',
      '.hsyncignore  (built-in)',
      'build/  (.hsyncignore)',
      'src/main.c.swp  (built-in)',
      'src/run.log  (.hsyncignore)',
    ]);
    const json = await runHsync(['status', '--ignored', '--json', '--state', state]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout).paths[2], { path: 'build', dir: true, by: 'user' });
    assert.deepEqual((await remote.list(0)).entries.map((e) => e.path), ['src/main.c'], 'nothing ignored was uploaded');
  } finally {
    remote.close();
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
  const none = await runHsync(['status', '--ignored', '--state', state]);
  assert.equal(none.code, 1, 'no running client');
});
