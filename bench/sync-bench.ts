// Sync figures for issue 3's table, measured end to end on this machine (127.0.0.1 only):
// a real server and two real `hsync sync` clients (separate processes, watcher + long-poll).
// Time runs from the last byte written in folder A to folder B holding that content.
//   big      one 1 GiB file A→B
//   many     10,000 × 4 KiB files in 100 folders A→B
//   onebyte  1 byte changed in the middle of the 1 GiB file (needs big first; runs after it)
//   copy     a copy of the 1 GiB file under a new name (runs after big)
//   latency  change detected → upload started (in-process engine, watcher + debounce)
//   idle     RSS of a client holding 100,000 indexed files, idle; and its idle rescan time
// Run: node --import tsx bench/sync-bench.ts [--cases big,many,...] [--mib 1024] [--files 10000] [--idle-files 100000]

import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectControl } from '../shared/node/api-bridge/control-client.js';
import { hsyncNodeArgs, startServerProcess, type ServerProcess } from '../test/helpers/server-process.js';
import { makeClient } from '../test/helpers/sync-client.js';
import { firstSync, startDaemon, waitFor, type Daemon } from './hsync-daemon.js';
import { cpuSeconds } from './proc-stats.js';
import { countFiles, hashOf, sameFile, sameTrees, writeBig } from './folder-checks.js';
import { scriptArg } from './bench.js';

const HSYNC = join(import.meta.dirname, '..', 'bin', 'hsync.js');
const MiB = 1024 * 1024;

const cases = scriptArg('cases', 'many,big,onebyte,copy,latency,idle').split(',');
const bigMiB = Number(scriptArg('mib', '1024'));
const manyFiles = Number(scriptArg('files', '10000'));
const idleFiles = Number(scriptArg('idle-files', '100000'));

async function totals(d: Daemon): Promise<{ sent: number; received: number }> {
  const s = await d.api.getStatus();
  return { sent: s.totals.sentBytes, received: s.totals.receivedBytes };
}

/** Runs one case: `act` writes into A, `done` says when B holds the result. */
async function measure(label: string, a: Daemon, b: Daemon, act: () => Promise<void>, done: () => Promise<boolean>): Promise<void> {
  const a0 = await totals(a);
  const b0 = await totals(b);
  await act();
  const start = performance.now();
  // Every check costs the clients CPU too (a status call, a folder listing): 25 ms apart is
  // fine-grained enough for figures of seconds without stealing much from the 2 cores.
  await waitFor(done, 600_000, 25);
  const seconds = (performance.now() - start) / 1000;
  // Let trailing requests (long-poll renewals, re-scans) settle before reading counters.
  await new Promise((r) => setTimeout(r, 500));
  const a1 = await totals(a);
  const b1 = await totals(b);
  console.log(
    `${label.padEnd(44)} ${seconds.toFixed(2).padStart(7)} s   A sent ${fmt(a1.sent - a0.sent)}, received ${fmt(a1.received - a0.received)};` +
      ` B sent ${fmt(b1.sent - b0.sent)}, received ${fmt(b1.received - b0.received)}`,
  );
}

function fmt(bytes: number): string {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

async function diskProbe(dir: string): Promise<string> {
  const start = performance.now();
  for (let i = 0; i < 200; i++) await writeFile(join(dir, `probe-${i}`), 'x');
  const perFile = (performance.now() - start) / 200;
  for (let i = 0; i < 200; i++) await rm(join(dir, `probe-${i}`));
  return `disk probe: ${(1000 / perFile).toFixed(0)} small files/s`;
}

/**
 * The floor under B's side of the 1 GiB cases, measured the way B works. B must write a new
 * 1 GiB file and make it durable: 4 MiB writes, then fdatasync (printed before the 1 GiB
 * case). For a copy, the kernel copies a file already in the page cache, then fsync (printed
 * right after the copy case, in the memory state the case left: on a VM whose memory is slow
 * to touch once the page cache has grown, the same copy takes 0.4 s or 4 s).
 */
async function writeProbe(dir: string, size: number): Promise<string> {
  const path = join(dir, '.hsync', 'probe-written');
  const block = randomFillSync(Buffer.allocUnsafe(4 * MiB));
  const start = performance.now();
  const handle = await open(path, 'w');
  for (let offset = 0; offset < size; offset += block.length) await handle.write(block, 0, Math.min(block.length, size - offset), offset);
  await handle.datasync();
  await handle.close();
  const seconds = (performance.now() - start) / 1000;
  await rm(path);
  return `machine: new ${bigMiB} MiB file written, fdatasync  ${seconds.toFixed(2).padStart(7)} s   (4 MiB writes)`;
}

async function copyProbe(source: string, dir: string): Promise<string> {
  const copy = join(dir, '.hsync', 'probe-copy');
  const start = performance.now();
  await copyFile(source, copy);
  const copied = await open(copy, 'r+');
  await copied.datasync();
  await copied.close();
  const seconds = (performance.now() - start) / 1000;
  await rm(copy);
  return `machine: ${bigMiB} MiB file copied, fsync           ${seconds.toFixed(2).padStart(7)} s   (copyFile from the page cache, after the copy case)`;
}

async function pairCases(server: ServerProcess): Promise<void> {
  const token = await server.addUser('bench');
  const a = await startDaemon(server, token, 'A');
  const b = await startDaemon(server, token, 'B');
  await Promise.all([firstSync(a), firstSync(b)]);
  try {
    console.log(await diskProbe(a.folder));
    if (cases.includes('many')) {
      await measure(
        `${manyFiles} × 4 KiB files in 100 folders A→B`,
        a,
        b,
        async () => {
          const payload = Buffer.alloc(4096);
          for (let d = 0; d < 100; d++) await mkdir(join(a.folder, `dir${d}`));
          for (let i = 0; i < manyFiles; i++) {
            payload.writeUInt32BE(i, 0);
            await writeFile(join(a.folder, `dir${i % 100}`, `f${i}.bin`), payload);
          }
        },
        // Files appear on B only once whole (renamed into place after fsync): count them
        // first, which costs B nothing, and ask B's status only then.
        async () => (await countFiles(b.folder)) >= manyFiles && (await b.api.getStatus()).state === 'idle',
      );
      await sameTrees(a.folder, b.folder, manyFiles);
    }
    const size = bigMiB * MiB;
    if (cases.includes('big')) console.log(await writeProbe(a.folder, size));
    if (cases.includes('big')) {
      await measure(`one ${bigMiB} MiB file A→B`, a, b, () => writeBig(join(a.folder, 'big.bin'), size), () => sameFile(join(b.folder, 'big.bin'), size));
      const [ha, hb] = await Promise.all([hashOf(join(a.folder, 'big.bin')), hashOf(join(b.folder, 'big.bin'))]);
      if (ha !== hb) throw new Error('big.bin differs between A and B');
    }
    if (cases.includes('onebyte') && cases.includes('big')) {
      const offset = Math.floor(size / 2) + 123;
      const original = (await readFile(join(a.folder, 'big.bin'))).subarray(offset, offset + 1)[0];
      const byte = original ^ 0xff;
      await measure(
        '1 byte changed in the middle of it',
        a,
        b,
        async () => {
          const handle = await open(join(a.folder, 'big.bin'), 'r+');
          await handle.write(Buffer.from([byte]), 0, 1, offset);
          await handle.close();
        },
        () => sameFile(join(b.folder, 'big.bin'), size, { offset, byte }),
      );
    }
    if (cases.includes('copy') && cases.includes('big')) {
      await measure('copy of it under a new name', a, b, () => copyFile(join(a.folder, 'big.bin'), join(a.folder, 'big copy.bin')), () =>
        sameFile(join(b.folder, 'big copy.bin'), size),
      );
      console.log(await copyProbe(join(b.folder, 'big.bin'), b.folder));
    }
  } finally {
    await a.stop();
    await b.stop();
  }
}

async function latencyCase(server: ServerProcess): Promise<void> {
  const token = await server.addUser('latency');
  const a = await makeClient(server.url, token, 'A', { watch: true, rescanIntervalMs: 600_000 });
  await a.engine.start();
  await waitFor(() => a.engine.getStatus().lastSyncedAt !== null, 10_000);
  await new Promise((r) => setTimeout(r, 500));
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    let started = 0;
    const commit = a.remote.commit;
    a.remote.commit = (device, changes) => {
      if (!started) started = performance.now();
      return commit.call(a.remote, device, changes);
    };
    const written = performance.now();
    await writeFile(join(a.root, `saved-${i}.txt`), `save ${i}`);
    await waitFor(() => started > 0, 5_000, 1);
    samples.push(started - written);
    a.remote.commit = commit;
    await new Promise((r) => setTimeout(r, 400));
  }
  samples.sort((x, y) => x - y);
  console.log(`${'change detected → upload started (median of 5)'.padEnd(44)} ${(samples[2] / 1000).toFixed(3).padStart(7)} s   (debounce 150 ms)`);
  await a.close();
  await rm(a.root, { recursive: true, force: true });
  await rm(a.stateDir, { recursive: true, force: true });
}

/**
 * Idle figures with 100,000 files. Pushing 100,000 commits through the server first would
 * measure the server, so the index is seeded from a local scan instead (as if the first
 * sync were done; the server's journal plays no part while idle) and a real `hsync sync`
 * process then runs idle against a real server: its RSS, and the time of a forced rescan.
 */
async function idleCase(server: ServerProcess): Promise<void> {
  const token = await server.addUser('idle');
  const folder = await mkdtemp(join(tmpdir(), 'hsync-bench-idle-'));
  const state = await mkdtemp(join(tmpdir(), 'hsync-bench-idle-state-'));
  const createStart = performance.now();
  for (let d = 0; d < 1000; d++) await mkdir(join(folder, `d${d}`));
  const payload = Buffer.alloc(64);
  for (let i = 0; i < idleFiles; i++) {
    payload.writeUInt32BE(i, 0);
    await writeFile(join(folder, `d${i % 1000}`, `f${i}`), payload);
  }
  console.log(`(made ${idleFiles} files in ${((performance.now() - createStart) / 1000).toFixed(1)} s)`);
  const seedStart = performance.now();
  await seedIndex(folder, state, server, token);
  console.log(`(seeded the index from a local scan in ${((performance.now() - seedStart) / 1000).toFixed(1)} s)`);

  const child = spawn(process.execPath, [...hsyncNodeArgs(), HSYNC, 'sync', '--folder', folder, '--state', state, '--server', server.url, `--token=${token}`, '--device', 'idle'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => /^syncing /m.test(String(d)) && resolve()));
    const api = await connectControl(state);
    // The first cycle stats 100,000 files while the watcher lists them: on a loaded machine
    // a status call can meet a closing keep-alive socket, which is no reason to give up.
    await waitFor(async () => (await api.getStatus().catch(() => null))?.lastSyncedAt != null, 300_000, 200);
    const after = await api.getStatus();
    if (after.totals.sentBytes > 1024 * 1024) console.log(`(warning: idle client sent ${fmt(after.totals.sentBytes)})`);
    const samples: number[] = [];
    const cpu0 = await cpuSeconds(child.pid!);
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await api.syncNow();
      samples.push(performance.now() - start);
    }
    const cpu = (await cpuSeconds(child.pid!)) - cpu0;
    samples.sort((x, y) => x - y);
    const sent = (await api.getStatus()).totals.sentBytes;
    console.log(
      `${`idle rescan of ${idleFiles} unchanged files (median of 3)`.padEnd(44)} ${(samples[1] / 1000).toFixed(2).padStart(7)} s   ` +
        `(${samples.map((ms) => (ms / 1000).toFixed(2)).join(' / ')} s; client CPU ${(cpu / 3).toFixed(2)} s each; client sent ${fmt(sent)} in all)`,
    );
    // RSS while idle, read at several points after the last rescan: the engine hands memory
    // back right after a cycle and once more a few seconds later (idle-memory.ts), so the
    // figure is the last reading and the earlier ones show the way down.
    const readings: { at: number; rss: number; anon: number; file: number }[] = [];
    const rescanned = performance.now();
    for (const at of [5, 10, 20, 30]) {
      await new Promise((r) => setTimeout(r, Math.max(0, rescanned + at * 1000 - performance.now())));
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
      readings.push({ at, rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') });
    }
    const last = readings[readings.length - 1];
    // What the RSS is made of: anonymous memory (heaps) and file-backed pages (the node binary).
    console.log(
      `${`client RSS with ${idleFiles} files indexed, idle`.padEnd(44)} ${last.rss.toFixed(0).padStart(7)} MB   ` +
        `(${last.at} s after the last rescan: anonymous ${last.anon.toFixed(0)} MB, file-backed ${last.file.toFixed(0)} MB; ` +
        `${readings
          .slice(0, -1)
          .map((r) => `${r.at} s: ${r.rss.toFixed(0)}`)
          .join(', ')} MB)`,
    );
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await rm(folder, { recursive: true, force: true });
    await rm(state, { recursive: true, force: true });
  }
}

/** Writes the base of every file in `folder` into the index at `state`, as a finished first sync would. */
async function seedIndex(folder: string, state: string, server: ServerProcess, token: string): Promise<void> {
  const { Scanner } = await import('../shared/node/engine/scanner.js');
  const { makeIgnoreRules } = await import('../shared/node/engine/ignore-rules.js');
  const { IndexStore } = await import('../shared/node/engine/index-store.js');
  const { checkFolder } = await import('../shared/node/engine/folder-guard.js');
  const { engineDisk } = await import('../shared/node/engine/engine-disk.js');
  const { HttpRemote } = await import('../shared/node/remote/http-remote.js');
  const disk = engineDisk();
  await checkFolder(disk.fs, folder, true);
  const index = new IndexStore(join(state, 'index.sqlite'));
  const tree = new Map();
  await new Scanner(disk, folder, () => makeIgnoreRules(''), index.base).fullScan(tree);
  const remote = new HttpRemote(server.url, token);
  index.setMeta('serverId', (await remote.account()).serverId);
  remote.close();
  let rev = 0;
  index.transaction(() => {
    for (const entry of tree.values()) {
      rev++;
      index.setBase(
        { path: entry.path, rev, fileId: `f${rev}`, contentHash: entry.contentHash, size: entry.size, mtime: entry.mtime, ino: entry.ino, remoteMtime: entry.mtime },
        entry.blocks.map((b: { hash: string }) => b.hash),
      );
    }
  });
  index.close();
}

const server = await startServerProcess();
try {
  console.log(`sync bench: cases ${cases.join(',')}; 1 GiB = ${bigMiB} MiB; many = ${manyFiles}; idle = ${idleFiles}`);
  if (cases.some((c) => ['many', 'big', 'onebyte', 'copy'].includes(c))) await pairCases(server);
  if (cases.includes('latency')) await latencyCase(server);
  if (cases.includes('idle')) await idleCase(server);
} finally {
  await server.dispose();
}
