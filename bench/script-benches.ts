// The end-to-end benches (bench/sync-bench.ts, bench/hybrid-tiers.ts, bench/peers-bench.ts) are scripts that start
// real servers and clients as separate processes. These modules run each script as a child
// process, pass its output through to stderr as it goes, and turn its result lines into rows
// of the `npm run bench` table, each checked against the target.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BenchModule, BenchRow } from './bench.js';

/** What a result line of a script means: its target, and what to print beside it. */
interface LineRule {
  match: RegExp;
  figure: string;
  context: string;
  /** Largest value that meets the target (in the row's unit). */
  max?: number;
  /** Largest number of bytes client A may send for this case. */
  sentMax?: number;
  /** Take the value from this capture instead of the seconds column. */
  value?: RegExp;
  unit?: string;
}

const SYNC_RULES: LineRule[] = [
  { match: /^\d+ × 4 KiB files in 100 folders/, figure: '10,000 × 4 KiB files A→B', max: 4, context: 'Syncthing here 12.5 s; target ≤ 4 s' },
  { match: /^machine: new \d+ MiB file written/, figure: 'machine: new 1 GiB file, fdatasync', context: 'what B must do at least, in the 1 GiB cases' },
  { match: /^machine: \d+ MiB file copied/, figure: 'machine: 1 GiB copyFile, fsync', context: 'the kernel copy under copy / 1-byte, in the state the copy case left' },
  { match: /^one \d+ MiB file A→B/, figure: 'one 1 GiB file A→B', max: 5, context: 'Syncthing here 6.6 s; target ≤ 5 s' },
  { match: /^1 byte changed/, figure: '1 byte changed mid-file', max: 3, sentMax: 4.3e6, context: 'Syncthing 5.8 s; target ≤ 3 s, ≤ 4.3 MB up' },
  { match: /^copy of it/, figure: 'copy under a new name', max: 2, sentMax: 100e3, context: 'Syncthing 5.5 s, 46 KB; target ≤ 2 s, ≤ 100 KB' },
  { match: /^change detected/, figure: 'change detected → upload', max: 0.3, context: 'Syncthing 1 s (its delay); target ≤ 0.3 s' },
  { match: /^idle rescan/, figure: 'idle rescan, 100,000 files', max: 3, context: 'target ≤ 3 s, no file read' },
  { match: /^client RSS/, figure: 'client RSS, 100,000 files', max: 120, value: /(\d+) MB/, unit: 'MB', context: 'Syncthing 90–170 MB; target ≤ 120 MB (issue 15); 30 s after a rescan' },
];

const HYBRID_RULES: LineRule[] = [
  { match: /^s3rver PUT ceiling \(SDK/, figure: 's3rver ceiling, 1 GiB', context: 'the S3 peer itself' },
  { match: /^s3rver PUT ceiling, 10,000/, figure: 's3rver ceiling, 10,000 × 4 KiB', context: 'the S3 peer itself, one object each' },
  { match: /^client → in-house tier \(split/, figure: '1 GiB via the in-house tier', context: 'split mode, signed block-service URLs' },
  { match: /^client → S3 tier/, figure: '1 GiB via the S3 tier', value: /([\d.]+)× the s3rver ceiling/, unit: '× ceiling', max: 1.2, context: 'target ≤ 1.2× the s3rver ceiling' },
  { match: /^block service killed/, figure: 'block service dead → syncing', max: 5, context: 'target ≤ 5 s' },
  { match: /^10,000 × 4 KiB blocks → S3/, figure: '10,000 × 4 KiB into S3', max: 4, context: 'rclone 11.3 s; target ≤ 4 s' },
  { match: /^repatriation/, figure: 'repatriation', value: /([\d.]+) MB\/s/, unit: 'MB/s', context: 'S3 → in-house, verified' },
  { match: /^RGW PUT ceiling/, figure: 'Ceph RGW ceiling, 64 × 4 MiB', value: /([\d.]+) MB\/s/, unit: 'MB/s', context: 'the Ceph gateway itself (memstore), 8 in flight' },
  { match: /^client → in-house tier on Ceph RGW/, figure: '1 GiB via the Ceph in-house tier', context: 'vs the built-in block service in the same run' },
];

const SECONDS = /\s(\d+(?:\.\d+)?) s\b/;
const SENT = /A sent ([\d.]+) (MiB|KiB)/;

/** Turns one script output line into a row, or null when no rule knows it. */
export function rowOf(line: string, rules: LineRule[]): BenchRow | null {
  const rule = rules.find((r) => r.match.test(line.trim()));
  if (!rule) return null;
  const found = (rule.value ?? SECONDS).exec(line);
  if (!found) return null;
  const value = Number(found[1]);
  let ok = rule.max === undefined ? undefined : value <= rule.max;
  let context = rule.context;
  const sent = SENT.exec(line);
  if (sent) {
    const bytes = Number(sent[1]) * (sent[2] === 'MiB' ? 1024 * 1024 : 1024);
    context += `; A sent ${sent[1]} ${sent[2]}`;
    if (rule.sentMax !== undefined) ok = ok !== false && bytes <= rule.sentMax;
  }
  return { figure: rule.figure, value, unit: rule.unit ?? 's', context, ok };
}

/** A line "row {json}" of a script that prints its rows itself (bench/peers-bench.ts). */
export function printedRow(line: string): BenchRow | null {
  return line.startsWith('row {') ? (JSON.parse(line.slice(4)) as BenchRow) : null;
}

/** Runs a bench script to its end; its output goes to stderr, its result lines become rows. */
function runScript(script: string, toRow: (line: string) => BenchRow | null, flags: string[] = []): Promise<BenchRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
    const rows: BenchRow[] = [];
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const row = toRow(line);
        if (row) rows.push(row);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(rows) : reject(new Error(`${script} exited with ${code}`))));
  });
}

export const syncBench: BenchModule = {
  name: 'sync',
  summary: 'two `hsync sync` clients and a server: 1 GiB, 10,000 small files, 1-byte change, copy, latency, idle 100,000 files',
  run: () => runScript('sync-bench.ts', (line) => rowOf(line, SYNC_RULES)),
};

export const hybridBench: BenchModule = {
  name: 'hybrid',
  summary: 'S3 tier vs in-house tier (s3rver), failover time, small blocks into S3, repatriation, the Ceph in-house tier vs the built-in block service',
  run: () => runScript('hybrid-tiers.ts', (line) => rowOf(line, HYBRID_RULES)),
};

export const peersBench: BenchModule = {
  name: 'peers',
  summary: 'issue 15 side by side: hsync (server + 2 clients) vs 2 local Syncthing instances: 1 GiB, 1-byte change, copy, 10,000 files, CPU, peak RSS, new device joining',
  run: (flags) => runScript('peers-bench.ts', printedRow, flags),
};

export { SYNC_RULES, HYBRID_RULES };
