// Issue 15's table, side by side in one run: our server + two `hsync sync` clients against
// two local Syncthing instances (Debian's package; 1-s watcher delay), each case on each,
// with time (last byte written in A → B holds it), CPU of every process of the product, and
// each client's peak RSS; then this machine's floors (disk write + fdatasync, SHA-256) and a
// new device joining. Syncthing runs only when installed (`apt-get install syncthing`).
//   many     10,000 × 4 KiB files in 100 folders A→B
//   big      one 1 GiB file A→B
//   onebyte  1 byte changed in the middle of it (after big)
//   copy     a copy of it under a new name (after big)
//   join     a new device joins what the cases left (1 GiB + 10,000 files): hsync only
//   join5g   a new device joins 5 GB in 20,000 files (4 × 1 GiB + 48 KiB files): hsync only
// Result lines start with "row " and a JSON BenchRow; `npm run bench -- peers` prints them.
// Run: node --import tsx bench/peers-bench.ts [--cases many,big,...] [--join5g] [--mib 1024] [--files 10000] [--no-syncthing]
// (`npm run bench -- peers --join5g`: the default cases and join5g.)

import { randomFillSync, createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '../test/helpers/server-process.js';
import { scriptArg, type BenchRow } from './bench.js';
import { countFiles, hashOf, sameFile, sameTrees, treeSize, writeBig } from './folder-checks.js';
import { firstSync, startDaemon, waitFor, type Daemon } from './hsync-daemon.js';
import { cpuSeconds, resetPeak, statusMB } from './proc-stats.js';
import { startSyncthingPair, syncthingVersion } from './syncthing-pair.js';

const MiB = 1024 * 1024;

const cases = scriptArg('cases', 'many,big,onebyte,copy,join').split(',');
if (process.argv.includes('--join5g') && !cases.includes('join5g')) cases.push('join5g');
const bigMiB = Number(scriptArg('mib', '1024'));
const manyFiles = Number(scriptArg('files', '10000'));
const join5gFiles = Number(scriptArg('join-files', '20000'));
const join5gGiB = Number(scriptArg('join-gib', '4'));

/** One product's two devices as the cases see them: two folders and the processes doing the work. */
interface Side {
  product: string;
  a: string;
  b: string;
  /** Every process of the product; clients' peak RSS is reported. */
  processes: { role: string; pid: number; client: boolean }[];
}

interface Figure {
  seconds: number;
  cpu: number;
  cpuBy: string;
  /** Largest peak RSS of a client during the case, MB. */
  peakRss: number;
  peakBy: string;
}

/** Runs one case on one side: `act` writes into A, `done` says when B holds the result. */
async function measure(side: Side, act: () => Promise<void>, done: () => Promise<boolean>): Promise<Figure> {
  for (const p of side.processes) await resetPeak(p.pid);
  const rss0 = await Promise.all(side.processes.map((p) => statusMB(p.pid, 'VmRSS')));
  const cpu0 = await Promise.all(side.processes.map((p) => cpuSeconds(p.pid)));
  await act();
  const start = performance.now();
  // 25 ms apart is fine-grained enough for figures of seconds and costs the sides little.
  await waitFor(done, 600_000, 25);
  const seconds = (performance.now() - start) / 1000;
  // CPU counts the work the case caused, also what follows B's last byte (index updates,
  // announcements): read once the processes have gone quiet (or after 5 s).
  let last = await Promise.all(side.processes.map((p) => cpuSeconds(p.pid)));
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await Promise.all(side.processes.map((p) => cpuSeconds(p.pid)));
    const quiet = now.every((c, k) => c - last[k] <= 0.01);
    last = now;
    if (quiet) break;
  }
  const used = last.map((c, k) => c - cpu0[k]);
  const peaks = await Promise.all(side.processes.map((p) => statusMB(p.pid, 'VmHWM')));
  const clients = side.processes.map((p, k) => ({ ...p, peak: peaks[k], before: rss0[k] })).filter((p) => p.client);
  return {
    seconds,
    cpu: used.reduce((x, y) => x + y, 0),
    cpuBy: side.processes.map((p, k) => `${p.role} ${used[k].toFixed(1)}`).join(', '),
    peakRss: Math.max(...clients.map((p) => p.peak)),
    peakBy: clients.map((p) => `${p.role} ${p.peak.toFixed(0)}, ${p.before.toFixed(0)} before`).join('; '),
  };
}

interface Case {
  name: string;
  label: string;
  act(side: Side): Promise<void>;
  done(side: Side): Promise<boolean>;
  check?(side: Side): Promise<void>;
}

const size = bigMiB * MiB;
const offset = Math.floor(size / 2) + 123;
let flipped = 0;

const CASES: Case[] = [
  {
    name: 'many',
    label: `${manyFiles.toLocaleString('en-US')} × 4 KiB in 100 folders`,
    async act(side) {
      const payload = Buffer.alloc(4096);
      for (let d = 0; d < 100; d++) await mkdir(join(side.a, `dir${d}`));
      for (let i = 0; i < manyFiles; i++) {
        payload.writeUInt32BE(i, 0);
        await writeFile(join(side.a, `dir${i % 100}`, `f${i}.bin`), payload);
      }
    },
    // Both products put a file in place only once whole: counting costs them nothing.
    done: async (side) => (await countFiles(side.b)) >= manyFiles,
    check: (side) => sameTrees(side.a, side.b, manyFiles),
  },
  {
    name: 'big',
    label: `one ${bigMiB} MiB file A→B`,
    act: (side) => writeBig(join(side.a, 'big.bin'), size),
    done: (side) => sameFile(join(side.b, 'big.bin'), size),
    async check(side) {
      const [x, y] = await Promise.all([hashOf(join(side.a, 'big.bin')), hashOf(join(side.b, 'big.bin'))]);
      if (x !== y) throw new Error(`${side.product}: big.bin differs between A and B`);
    },
  },
  {
    name: 'onebyte',
    label: `1 byte changed in ${bigMiB} MiB`,
    async act(side) {
      const original = (await readFile(join(side.a, 'big.bin'))).subarray(offset, offset + 1)[0];
      flipped = original ^ 0xff;
      const handle = await open(join(side.a, 'big.bin'), 'r+');
      await handle.write(Buffer.from([flipped]), 0, 1, offset);
      await handle.close();
    },
    done: (side) => sameFile(join(side.b, 'big.bin'), size, { offset, byte: flipped }),
  },
  {
    name: 'copy',
    label: `copy of ${bigMiB} MiB under a new name`,
    act: (side) => copyFile(join(side.a, 'big.bin'), join(side.a, 'big copy.bin')),
    done: (side) => sameFile(join(side.b, 'big copy.bin'), size),
  },
];

/** The two sides' figures for one case, printed and turned into rows. */
function report(c: Case, ours: Figure, theirs: Figure | null, rows: BenchRow[]): void {
  const line = (product: string, f: Figure) =>
    `  ${product.padEnd(10)} ${f.seconds.toFixed(2).padStart(7)} s   CPU ${f.cpu.toFixed(1)} s (${f.cpuBy})   peak client RSS ${f.peakRss.toFixed(0)} MB (${f.peakBy})`;
  console.log(c.label);
  console.log(line('hsync', ours));
  if (theirs) console.log(line('Syncthing', theirs));
  const timeRatio = theirs ? ours.seconds / theirs.seconds : null;
  const cpuRatio = theirs ? ours.cpu / theirs.cpu : null;
  if (theirs) console.log(`  ratio      time ${timeRatio!.toFixed(2)}×, CPU ${cpuRatio!.toFixed(2)}×, peak RSS ${(ours.peakRss / theirs.peakRss).toFixed(2)}×`);
  const beside = theirs ? `Syncthing ${theirs.seconds.toFixed(2)} s, CPU ${theirs.cpu.toFixed(1)} s` : 'Syncthing not run';
  // Issue 15: every case at most Syncthing's time; the big file also at most 1.5× its CPU.
  rows.push({
    figure: `${c.label}: time`,
    value: ours.seconds,
    unit: 's',
    context: `${beside}; ${timeRatio === null ? '' : `${timeRatio.toFixed(2)}× theirs; `}target ≤ 1.0× theirs`,
    ok: timeRatio === null ? undefined : timeRatio <= 1,
  });
  rows.push({
    figure: `${c.label}: CPU, all processes`,
    value: ours.cpu,
    unit: 's',
    context: `${ours.cpuBy}; ${cpuRatio === null ? '' : `${cpuRatio.toFixed(2)}× Syncthing's ${theirs!.cpu.toFixed(1)} s`}${c.name === 'big' ? '; target ≤ 1.5×' : ''}`,
    ok: c.name === 'big' && cpuRatio !== null ? cpuRatio <= 1.5 : undefined,
  });
  rows.push({
    figure: `${c.label}: peak client RSS`,
    value: ours.peakRss,
    unit: 'MB',
    context: `${ours.peakBy}${theirs ? `; Syncthing ${theirs.peakRss.toFixed(0)} MB (${theirs.peakBy})` : ''}; target ≤ 120 MB`,
    ok: ours.peakRss <= 120,
  });
}

async function ourSide(server: ServerProcess, user: string): Promise<{ side: Side; a: Daemon; b: Daemon; token: string }> {
  const token = await server.addUser(user);
  const a = await startDaemon(server, token, 'A');
  const b = await startDaemon(server, token, 'B');
  await Promise.all([firstSync(a), firstSync(b)]);
  const side: Side = {
    product: 'hsync',
    a: a.folder,
    b: b.folder,
    processes: [
      { role: 'A', pid: a.child.pid!, client: true },
      { role: 'B', pid: b.child.pid!, client: true },
      { role: 'server', pid: server.pid, client: false },
    ],
  };
  return { side, a, b, token };
}

/**
 * A new device C on an empty folder joins the account: time from its start until it holds
 * every file A has, and that rate beside the disk's write + fdatasync rate.
 */
async function joinCase(server: ServerProcess, token: string, source: string, label: string, diskRate: number, rows: BenchRow[], target?: number): Promise<void> {
  const want = await treeSize(source);
  const start = performance.now();
  const c = await startDaemon(server, token, 'C');
  try {
    await resetPeak(c.child.pid!);
    const cpu0 = await cpuSeconds(server.pid);
    await waitFor(async () => (await countFiles(c.folder)) >= want.files && (await treeSize(c.folder)).bytes >= want.bytes, 1_800_000, 250);
    const seconds = (performance.now() - start) / 1000;
    const rate = want.bytes / 1e6 / seconds;
    const cpu = await cpuSeconds(c.child.pid!);
    const serverCpu = (await cpuSeconds(server.pid)) - cpu0;
    const peak = await statusMB(c.child.pid!, 'VmHWM');
    const share = rate / diskRate;
    console.log(
      `${label}\n  hsync      ${seconds.toFixed(2).padStart(7)} s   ${rate.toFixed(0)} MB/s = ${(share * 100).toFixed(0)} % of the disk's ${diskRate.toFixed(0)} MB/s   ` +
        `CPU C ${cpu.toFixed(1)} s, server ${serverCpu.toFixed(1)} s   peak RSS C ${peak.toFixed(0)} MB`,
    );
    rows.push({ figure: `${label}: time`, value: seconds, unit: 's', context: `${(want.bytes / 1e9).toFixed(2)} GB in ${want.files} files; Syncthing not run` });
    rows.push({
      figure: `${label}: rate`,
      value: rate,
      unit: 'MB/s',
      context: `${(share * 100).toFixed(0)} % of disk write + fdatasync ${diskRate.toFixed(0)} MB/s${target ? `; target ≥ ${target * 100} %` : ''}`,
      ok: target === undefined ? undefined : share >= target,
    });
    rows.push({ figure: `${label}: peak RSS`, value: peak, unit: 'MB', context: 'target ≤ 120 MB', ok: peak <= 120 });
  } finally {
    await c.stop();
  }
}

/** MB/s writing `bytes` in 4 MiB writes then one fdatasync, in the folders' file system. */
async function diskWriteRate(bytes: number): Promise<number> {
  const path = join(tmpdir(), `hsync-bench-floor-${randomBytes(6).toString('hex')}`);
  const block = randomFillSync(Buffer.allocUnsafe(4 * MiB));
  const start = performance.now();
  const handle = await open(path, 'w');
  try {
    for (let at = 0; at < bytes; at += block.length) await handle.write(block, 0, Math.min(block.length, bytes - at), at);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  const seconds = (performance.now() - start) / 1000;
  await rm(path);
  return bytes / 1e6 / seconds;
}

/** node:crypto SHA-256 over memory, one core, MB/s. */
function sha256Rate(): number {
  const source = randomFillSync(Buffer.allocUnsafe(64 * MiB));
  createHash('sha256').update(source).digest(); // warm-up
  const start = performance.now();
  const hash = createHash('sha256');
  for (let i = 0; i < 8; i++) hash.update(source);
  hash.digest();
  return (8 * 64 * MiB) / 1e6 / ((performance.now() - start) / 1000);
}

async function fillForJoin(folder: string, gib: number, files: number): Promise<void> {
  for (let i = 0; i < gib; i++) await writeBig(join(folder, `join-${i}.bin`), 1024 * MiB);
  const payload = Buffer.allocUnsafe(48 * 1024);
  for (let d = 0; d < 100; d++) await mkdir(join(folder, `join${d}`));
  for (let i = 0; i < files - gib; i++) {
    randomFillSync(payload, 0, 64);
    await writeFile(join(folder, `join${i % 100}`, `j${i}.bin`), payload);
  }
}

async function main(): Promise<void> {
  const version = process.argv.includes('--no-syncthing') ? null : syncthingVersion();
  console.log(`peers bench: cases ${cases.join(',')}; ${bigMiB} MiB; ${manyFiles} files; ${version ?? 'Syncthing not installed: hsync only'}`);
  const rows: BenchRow[] = [];
  const diskRate = await diskWriteRate(size);
  const shaRate = sha256Rate();
  console.log(`machine: ${bigMiB} MiB written in 4 MiB writes + fdatasync: ${(size / 1e6 / diskRate).toFixed(2)} s (${diskRate.toFixed(0)} MB/s); SHA-256 one core ${shaRate.toFixed(0)} MB/s (${(size / 1e6 / shaRate).toFixed(2)} s per ${bigMiB} MiB)`);
  rows.push({ figure: `machine: ${bigMiB} MiB write + fdatasync`, value: size / 1e6 / diskRate, unit: 's', context: `${diskRate.toFixed(0)} MB/s: B's floor in the big case` });
  rows.push({ figure: 'machine: SHA-256, one core', value: shaRate, unit: 'MB/s', context: `${(size / 1e6 / shaRate).toFixed(2)} s per ${bigMiB} MiB, each side hashes once` });

  const chosen = CASES.filter((c) => cases.includes(c.name));
  const ours = new Map<string, Figure>();
  const server = await startServerProcess();
  try {
    if (chosen.length > 0 || cases.includes('join')) {
      const { side, a, b, token } = await ourSide(server, 'peers');
      try {
        for (const c of chosen) {
          ours.set(c.name, await measure(side, () => c.act(side), () => c.done(side)));
          await c.check?.(side);
        }
        if (cases.includes('join')) await joinCase(server, token, a.folder, 'new device joins what the cases left', diskRate, rows);
      } finally {
        await a.stop();
        await b.stop();
      }
    }
    if (cases.includes('join5g')) {
      const { a, b, token } = await ourSide(server, 'join5g');
      try {
        await fillForJoin(a.folder, join5gGiB, join5gFiles);
        const want = await treeSize(a.folder);
        await waitFor(async () => (await treeSize(b.folder)).bytes >= want.bytes && (await countFiles(b.folder)) >= want.files, 1_800_000, 500);
        await joinCase(server, token, a.folder, `new device joins ${(want.bytes / 1e9).toFixed(1)} GB in ${want.files} files`, diskRate, rows, 0.8);
      } finally {
        await a.stop();
        await b.stop();
      }
    }
  } finally {
    // SIGTERM first: a server ended that way writes its CPU profile (HSYNC_CPU_PROF).
    await server.stop();
    await server.dispose();
  }

  const theirs = new Map<string, Figure>();
  if (version && chosen.length > 0) {
    const pair = await startSyncthingPair(version);
    try {
      const side: Side = {
        product: 'Syncthing',
        a: pair.a.folder,
        b: pair.b.folder,
        processes: [
          { role: 'A', pid: pair.a.pid, client: true },
          { role: 'B', pid: pair.b.pid, client: true },
        ],
      };
      for (const c of chosen) {
        theirs.set(c.name, await measure(side, () => c.act(side), () => c.done(side)));
        await c.check?.(side);
      }
    } finally {
      await pair.stop();
    }
  }
  for (const c of chosen) report(c, ours.get(c.name)!, theirs.get(c.name) ?? null, rows);
  for (const row of rows) console.log(`row ${JSON.stringify(row)}`);
}

await main();
