// `npm run bench [-- NAME...]`: runs the benchmark modules (all by default) and prints one
// table, each figure beside this machine's limit or its target. Exit 1 when a target is
// missed or a bench fails. The end-to-end benches (sync, hybrid) run their scripts
// (bench/sync-bench.ts, bench/hybrid-tiers.ts) as child processes; each also runs alone with
// node --import tsx and its own flags.

import { hashBench } from './hash-bench.js';
import { loadBench } from './load-bench.js';
import { hybridBench, peersBench, syncBench } from './script-benches.js';
import { scaleBench } from './scale-bench.js';
import { batchBench, uploadBench } from './server-bench.js';
import { watcherBench } from './watcher-rss.js';
import type { BenchModule, BenchRow } from './bench.js';

// The small-block bench runs first: this disk creates files several times slower for
// minutes after many were deleted, which the other benches do on cleanup.
const modules: BenchModule[] = [batchBench, hashBench, uploadBench, syncBench, peersBench, hybridBench, loadBench, scaleBench, watcherBench];

const help = `Usage: npm run bench [-- NAME... [--FLAG...]]

Benchmarks (all when no NAME is given):
${modules.map((m) => `  ${m.name.padEnd(8)} ${m.summary}`).join('\n')}

Flags go to the end-to-end benches' scripts:
  --join5g   peers: also a new device joining 5 GB in 20,000 files (several minutes; not in CI)`;

function format(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(help);
    return 0;
  }
  // Names first; everything from the first --flag on is for the scripts (and their values).
  const firstFlag = argv.findIndex((a) => a.startsWith('--'));
  const names = firstFlag < 0 ? argv : argv.slice(0, firstFlag);
  const flags = firstFlag < 0 ? [] : argv.slice(firstFlag);
  const unknown = names.filter((name) => !modules.some((m) => m.name === name));
  if (unknown.length > 0) {
    console.error(`bench: unknown benchmark "${unknown[0]}" (known: ${modules.map((m) => m.name).join(', ')})`);
    return 2;
  }
  const chosen = names.length === 0 ? modules : modules.filter((m) => names.includes(m.name));
  const rows: (BenchRow & { bench: string })[] = [];
  let failed = false;
  for (const module of chosen) {
    console.error(`bench ${module.name}: ${module.summary}…`);
    try {
      for (const row of await module.run(flags)) rows.push({ ...row, bench: module.name });
    } catch (error) {
      console.error(`bench ${module.name}: ${(error as Error).stack ?? String(error)}`);
      failed = true;
    }
  }
  const table = rows.map((r) => [r.bench, r.figure, `${format(r.value)} ${r.unit}`, r.context, r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED']);
  const header = ['bench', 'figure', 'value', 'beside it', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
  return failed || rows.some((r) => r.ok === false) ? 1 : 0;
}
