// The real `hsync sync` command: --once between two folders, one-line failures, and the
// long-running client (watcher + long-poll + control endpoint) stopped by SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, chmod, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inotifyWatches } from '../../helpers/inotify.js';
import { runHsync, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { listFiles, makeClient, removeDirs, type TestClient } from '../../helpers/sync-client.js';

const HSYNC = join(import.meta.dirname, '..', '..', '..', 'bin', 'hsync.js');
let server: ServerProcess;
let token: string;
const dirs: string[] = [];
const clients: TestClient[] = [];

before(async () => {
  server = await startServerProcess();
  token = await server.addUser('cli');
});
after(async () => {
  for (const c of clients) await c.close();
  await removeDirs(...dirs, ...clients.flatMap((c) => [c.root, c.stateDir]));
  await server?.dispose();
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hsync-cli-${name}-`));
  dirs.push(dir);
  return dir;
}

test('hsync sync --once brings two folders into agreement and exits 0', async () => {
  const [a, b, stateA, stateB] = await Promise.all(['a', 'b', 'sa', 'sb'].map(tempDir));
  await writeFile(join(a, 'hello.txt'), 'from the command line');
  const common = ['--server', server.url, `--token=${token}`];
  const first = await runHsync(['sync', '--once', '--folder', a, '--state', stateA, '--device', 'cli-a', ...common]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^in sync: 1 files/m);
  const second = await runHsync(['sync', '--once', '--folder', b, '--state', stateB, '--device', 'cli-b', ...common]);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(await listFiles(b), ['hello.txt']);
});

test('hsync sync --once fails with one line for a bad token, a missing folder and bad flags', async () => {
  const folder = await tempDir('bad');
  const state = await tempDir('bad-state');
  const [badToken, missing, down, usage] = await Promise.all([
    runHsync(['sync', '--once', '--folder', folder, '--state', state, '--server', server.url], { HSYNC_TOKEN: 'wrong' }),
    runHsync(['sync', '--once', '--folder', join(folder, 'nope'), '--state', await tempDir('s1'), '--server', server.url, `--token=${token}`]),
    runHsync(['sync', '--once', '--folder', folder, '--state', await tempDir('s2'), '--server', 'http://127.0.0.1:9', `--token=${token}`]),
    runHsync(['sync', '--folder', folder]),
  ]);
  assert.equal(badToken.code, 1);
  assert.equal(badToken.stderr.trim().split('\n').length, 1, badToken.stderr);
  assert.match(badToken.stderr, /^hsync sync: /);

  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /folder is missing/);

  assert.equal(down.code, 1);
  assert.match(down.stderr, /unreachable/);

  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /missing --server/);
});

test('hsync sync takes the token from an owner-only --token-file or HSYNC_TOKEN, and warns about --token', async () => {
  const [a, b, stateA, stateB, secrets] = await Promise.all(['ta', 'tb', 'tsa', 'tsb', 'secrets'].map(tempDir));
  await writeFile(join(a, 'via-file.txt'), 'token from a file');
  const tokenFile = join(secrets, 'token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const common = ['sync', '--once', '--server', server.url];

  const fromFile = await runHsync([...common, '--folder', a, '--state', stateA, '--token-file', tokenFile]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal(fromFile.stderr, '');
  const fromEnv = await runHsync([...common, '--folder', b, '--state', stateB], { HSYNC_TOKEN: token });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.equal(await readFile(join(b, 'via-file.txt'), 'utf8'), 'token from a file');

  const flagged = await runHsync([...common, '--folder', b, '--state', stateB, `--token=${token}`]);
  assert.equal(flagged.code, 0, flagged.stderr);
  assert.match(flagged.stderr, /warning: --token is visible to every local user/);

  // A token file others can read, or a symlink to one, is refused before anything is sent.
  await chmod(tokenFile, 0o644);
  const open = await runHsync([...common, '--folder', a, '--state', stateA, '--token-file', tokenFile]);
  assert.equal(open.code, 2);
  assert.match(open.stderr, /readable by others \(mode 644\); run chmod 600/);
  await chmod(tokenFile, 0o600);
  const link = join(secrets, 'link');
  await symlink(tokenFile, link);
  const linked = await runHsync([...common, '--folder', a, '--state', stateA, '--token-file', link]);
  assert.equal(linked.code, 2);
  assert.match(linked.stderr, /is a symlink/);
  const none = await runHsync([...common, '--folder', a, '--state', stateA], { HSYNC_TOKEN: '' });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /the token is empty/);
});

test('hsync sync --state DIR takes the token a previous run stored in DIR/settings.json; a readable one is refused', async () => {
  const [folder, state, other] = await Promise.all(['sa', 'ss', 'so'].map(tempDir));
  const own = await server.addUser('settings');
  await writeFile(join(folder, 'stored.txt'), 'token from the settings file');
  const common = ['sync', '--once', '--server', server.url, '--folder', folder, '--state', state];
  const first = await runHsync(common, { HSYNC_TOKEN: own });
  assert.equal(first.code, 0, first.stderr);

  const again = await runHsync(common);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, '');
  assert.match(again.stdout, /^in sync: 1 files/m);
  const peer = await makeClient(server.url, own, 'settings-peer', { root: other });
  clients.push(peer);
  await peer.sync();
  assert.equal(await peer.read('stored.txt'), 'token from the settings file');

  await chmod(join(state, 'settings.json'), 0o644);
  const open = await runHsync(common);
  assert.equal(open.code, 2);
  assert.match(open.stderr, /settings file .*settings\.json: readable by others \(mode 644\)/);
});

test('hsync sync keeps syncing both ways until SIGTERM, then exits 0', async () => {
  const folder = await tempDir('daemon');
  const state = await tempDir('daemon-state');
  const peer = await makeClient(server.url, token, 'peer');
  clients.push(peer);
  const { child, stdout, stderr, exited } = startClient(['--folder', folder, '--state', state, '--device', 'daemon']);
  try {
    await waitFor(() => /^syncing /m.test(stdout()), 20_000, () => `no start: ${stderr()}`);

    // Remote → local through the long-poll.
    await peer.write('from-peer.txt', 'pushed by the peer');
    await peer.sync();
    await waitFor(async () => (await listFiles(folder)).includes('from-peer.txt'), 10_000, () => stderr());

    // Local → remote through the watcher.
    await writeFile(join(folder, 'from-daemon.txt'), 'written next to the daemon');
    await waitFor(
      async () => (await peer.remote.list(0)).entries.some((e) => e.path === 'from-daemon.txt'),
      10_000,
      () => stderr(),
    );

    const status = await runHsync(['status', '--state', state, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.ok(['idle', 'syncing', 'scanning'].includes(JSON.parse(status.stdout).state));
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr());
});

test('hsync sync --poll-interval 300 finds a new file and an edit by polling, with no inotify watch, and uploads their bytes', async () => {
  const folder = await tempDir('poll');
  const state = await tempDir('poll-state');
  await writeFile(join(folder, 'edited.txt'), 'first version');
  const peer = await makeClient(server.url, token, 'poll-peer');
  clients.push(peer);
  const refused = await runHsync(['sync', '--server', server.url, '--poll-interval', '10', '--folder', folder, '--state', state], { HSYNC_TOKEN: token });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--poll-interval must be a whole number from 100 to 600000, got "10"/);
  // --poll-interval implies --poll.
  const { child, stdout, stderr, exited } = startClient(['--poll-interval', '300', '--folder', folder, '--state', state, '--device', 'poller']);
  /** The bytes of `path` as the server holds them, or null while it has no such file. */
  const onServer = async (path: string): Promise<string | null> => {
    await peer.sync(true);
    return (await listFiles(peer.root)).includes(path) ? peer.read(path) : null;
  };
  try {
    await waitFor(() => /^syncing .*, polling for changes every 300 ms$/m.test(stdout()), 20_000, () => `no start: ${stdout()} ${stderr()}`);
    await waitFor(async () => (await onServer('edited.txt')) === 'first version', 10_000, () => stderr());

    // Both within seconds: the periodic full scan (every 60 s) is not what finds them.
    await writeFile(join(folder, 'new.txt'), 'made after the start');
    await waitFor(async () => (await onServer('new.txt')) === 'made after the start', 10_000, () => stderr());
    await appendFile(join(folder, 'edited.txt'), ', then edited');
    await waitFor(async () => (await onServer('edited.txt')) === 'first version, then edited', 10_000, () => stderr());
    const watches = inotifyWatches(child.pid!);
    if (watches !== null) assert.equal(watches, 0, 'polling holds no inotify watch');
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr());
});

/** A long-running `hsync sync` against the test server with `args`; its output so far, and its exit code once it ends. */
function startClient(args: string[]) {
  const child = spawn(process.execPath, [HSYNC, 'sync', '--server', server.url, `--token=${token}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${why()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
