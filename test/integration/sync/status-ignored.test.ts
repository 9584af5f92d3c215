// `hsync status --ignored`: the running client lists the paths its ignore rules keep out of
// sync (docs/engine.md "Ignore rules"), an ignored folder once, with the rules that ignore it;
// none of them reaches the server.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { HttpRemote } from '../../../shared/node/remote/http-remote.js';
import { runHsync } from '../../helpers/server-process.js';
import { startSyncProcess, processFixture, untilOnServer } from '../../helpers/sync-process.js';

const fx = processFixture();

test('hsync status --ignored lists the ignored paths of the running client, folders once, and none is on the server', async () => {
  const token = await fx.server.addUser('ignorer');
  const { folder, state } = await fx.folders('ignored');
  await writeFile(join(folder, '.hsyncignore'), 'build/\n*.log\n');
  await mkdir(join(folder, 'build', 'deep'), { recursive: true });
  await writeFile(join(folder, 'build', 'deep', 'x.o'), 'object');
  await mkdir(join(folder, 'src'));
  await writeFile(join(folder, 'src', 'main.c'), 'int main;');
  await writeFile(join(folder, 'src', 'run.log'), 'log');
  await writeFile(join(folder, 'src', 'main.c.swp'), 'swap');
  await writeFile(join(folder, '.DS_Store'), 'finder');

  const client = startSyncProcess(fx.server.url, token, 'ignorer', { folder, state });
  const remote = new HttpRemote(fx.server.url, token);
  try {
    // Synced once the one file that is not ignored is on the server.
    await untilOnServer(remote, 'src/main.c', client);
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
  }
  assert.equal(await client.stop(), 0, client.stderr());
  const none = await runHsync(['status', '--ignored', '--state', state]);
  assert.equal(none.code, 1, 'no running client');
});
