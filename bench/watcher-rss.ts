// Watchers, 100,000 files in 1,000 folders: how long each takes to watch the tree and what
// the process holds once idle (RSS 10 s after ready, and CPU over the next 10 s). Each
// watcher runs in a process of its own, in the same run on the same tree: the hand-written
// folder watches (folder-watches.ts, the default on Linux), chokidar on fs.watch watching
// folders only (files `ignored` by their stats, as a drop-in for the default would), and
// chokidar polling (polled-watches.ts, `hsync sync --poll`). README.md "Architecture" quotes
// the figures. Alone: node --import tsx bench/watcher-rss.ts

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watch } from 'chokidar';
import { FolderWatches } from '../shared/node/engine/folder-watches.js';
import { pollFolder } from '../shared/node/engine/polled-watches.js';
import { now, withTempDir, type BenchModule, type BenchRow } from './bench.js';

const FOLDERS = 1000;
const FILES_PER_FOLDER = 100;
const IDLE_MS = 10_000;
const SELF = fileURLToPath(import.meta.url);

type Mode = 'none' | 'folders' | 'chokidar' | 'chokidar-poll';
const MODES: { mode: Mode; figure: string }[] = [
  { mode: 'none', figure: 'no watcher (the process alone)' },
  { mode: 'folders', figure: 'hand-written folder watches' },
  { mode: 'chokidar', figure: 'chokidar 5, fs.watch, folders only' },
  { mode: 'chokidar-poll', figure: 'chokidar 5, polling (--poll)' },
];

interface Measured {
  watchMs: number;
  rssMB: number;
  idleCpuPct: number;
}

const ignore = () => undefined;

/** Starts one watcher on `root`; resolves with its close once it watches the whole tree. */
async function startWatching(mode: Mode, root: string): Promise<() => Promise<void>> {
  if (mode === 'none') return async () => undefined;
  if (mode === 'folders') {
    const folders = new FolderWatches(root, () => false, { changed: ignore, failed: (error) => console.error(error) });
    await folders.start();
    return async () => folders.close();
  }
  if (mode === 'chokidar') {
    const watcher = watch(root, { ignoreInitial: true, followSymlinks: false, ignored: (_path, stats) => stats?.isFile() === true });
    watcher.on('raw', ignore);
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    return () => watcher.close();
  }
  // Once a second: the figure README.md "Architecture" gives for polling.
  const polled = pollFolder(root, () => false, { changed: ignore, failed: (error) => console.error(error) }, 1000);
  await polled.ready;
  return () => polled.close();
}

async function measure(mode: Mode, root: string): Promise<Measured> {
  const t0 = now();
  const close = await startWatching(mode, root);
  const watchMs = now() - t0;
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const rssMB = process.memoryUsage().rss / 1e6;
  const cpu = process.cpuUsage();
  const t1 = now();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const used = process.cpuUsage(cpu);
  const idleCpuPct = ((used.user + used.system) / 1000 / (now() - t1)) * 100;
  await close();
  return { watchMs, rssMB, idleCpuPct };
}

function makeTree(root: string): void {
  for (let d = 0; d < FOLDERS; d++) {
    const dir = join(root, `d${d}`);
    mkdirSync(dir);
    for (let f = 0; f < FILES_PER_FOLDER; f++) writeFileSync(join(dir, `f${f}.txt`), `file ${d}/${f}\n`);
  }
}

function runChild(mode: Mode, root: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', mode, root], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Measured) : reject(new Error(`${mode}: exit ${code}`))));
  });
}

export const watcherBench: BenchModule = {
  name: 'watcher',
  summary: `watchers on ${(FOLDERS * FILES_PER_FOLDER).toLocaleString('en-US')} files in ${FOLDERS.toLocaleString('en-US')} folders: time to watch, idle RSS and CPU`,
  run: () =>
    withTempDir('hsync-watch-bench-', async (root) => {
      makeTree(root);
      const rows: BenchRow[] = [];
      for (const { mode, figure } of MODES) {
        const m = await runChild(mode, root);
        const context = `watching took ${(m.watchMs / 1000).toFixed(1)} s; idle CPU ${m.idleCpuPct.toFixed(1)} %`;
        console.error(`${figure}: RSS ${m.rssMB.toFixed(0)} MB, ${context}`);
        rows.push({ figure: `idle RSS, ${figure}`, value: m.rssMB, unit: 'MB', context });
      }
      return rows;
    }),
};

if (process.argv[1] === SELF) {
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await measure(process.argv[3] as Mode, process.argv[4])));
  } else {
    for (const row of await watcherBench.run()) console.log(`${row.figure}: ${row.value.toFixed(0)} ${row.unit} (${row.context})`);
  }
}
