// `npm run fuzz -- [--seed N] [--runs K] [--ops M] [--mode single|split] [--settle-ms MS]
// [--regressions] [--verbose]`: runs seeds N … N+K-1 (the regression seeds too, with --regressions)
// against real processes and prints one line per seed. A failing seed prints its
// operation list and what went wrong, and the exit status is 1. docs/testing.md.

import { readFileSync } from 'node:fs';
import { runSeed, type RunOptions } from './run-seed.js';

interface Args extends RunOptions {
  seed: number;
  runs: number;
  regressions: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seed: Date.now() % 1_000_000, runs: 1, ops: 40, settleMs: 60_000, regressions: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || !/^\d+$/.test(v)) throw new Error(`fuzz ${flag}: needs a whole number`);
      return Number(v);
    };
    if (flag === '--seed') args.seed = value();
    else if (flag === '--runs') args.runs = value();
    else if (flag === '--ops') args.ops = value();
    else if (flag === '--settle-ms') args.settleMs = value();
    else if (flag === '--regressions') args.regressions = true;
    else if (flag === '--verbose') args.verbose = true;
    else if (flag === '--mode') {
      const mode = argv[++i];
      if (mode !== 'single' && mode !== 'split') throw new Error('fuzz --mode: single or split');
      args.mode = mode;
    } else throw new Error(`fuzz: unknown flag ${flag}`);
  }
  return args;
}

/** Seeds that once found a bug, replayed by --regressions (test/fuzz/regression-seeds.json). */
function regressionSeeds(): number[] {
  const list = JSON.parse(readFileSync(new URL('./regression-seeds.json', import.meta.url), 'utf8')) as { seed: number }[];
  return list.map((r) => r.seed);
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const seeds = Array.from({ length: args.runs }, (_, i) => args.seed + i);
  if (args.regressions) seeds.push(...regressionSeeds().filter((s) => !seeds.includes(s)));
  const started = Date.now();
  let failed = 0;
  for (const seed of seeds) {
    const t0 = Date.now();
    const result = await runSeed(seed, args);
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const mode = result.split ? 'split' : 'single';
    if (result.problems.length === 0) {
      console.log(`fuzz: seed ${seed} (${mode}) ok in ${secs} s, settled in ${(result.settledMs / 1000).toFixed(1)} s`);
      if (args.verbose) console.log(result.log.map((line) => `  ${line}`).join('\n'));
      continue;
    }
    failed++;
    console.log(`fuzz: seed ${seed} (${mode}) FAILED in ${secs} s; replay: npm run fuzz -- --seed ${seed} --ops ${args.ops}`);
    console.log(result.log.map((line) => `  ${line}`).join('\n'));
    console.log(result.problems.map((line) => `  ! ${line}`).join('\n'));
    console.log(result.output);
  }
  const minutes = (Date.now() - started) / 60_000;
  console.log(`fuzz: ${seeds.length} seeds, ${failed} failed, in ${(minutes * 60).toFixed(1)} s (${(seeds.length / minutes).toFixed(1)} seeds/min)`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
