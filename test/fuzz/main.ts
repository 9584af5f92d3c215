// `npm run fuzz -- [--seed N] [--runs K] [--ops M] [--mode single|split] [--settle-ms MS]
// [--shrink-budget SEC] [--regressions] [--verbose]` runs seeds N … N+K-1 (the regression
// seeds too, with --regressions) against real processes and prints one line per seed. A
// failing seed prints its operation list and what went wrong, then shrinks the list
// (test/helpers/ddmin.ts) and prints the shrunk list; the exit status is 1.
// `--replay FILE` runs a saved shrunk list instead. docs/testing.md.

import { readFileSync } from 'node:fs';
import { ddmin } from '../helpers/ddmin.js';
import type { Op } from './operations.js';
import { runOps, runSeed, type RunOptions, type RunResult } from './run-seed.js';

interface Args extends RunOptions {
  seed: number;
  runs: number;
  shrinkBudgetSec: number;
  replay: string | null;
  regressions: boolean;
  verbose: boolean;
}

/** An operation list as a failure prints it and --replay reads it. */
interface SavedList {
  mode: 'single' | 'split';
  ops: Op[];
}

/** A kept regression: the seed that failed, and its shrunk list when there was one. */
interface Regression extends Partial<SavedList> {
  seed: number;
  note?: string;
}

const USAGE = `usage: npm run fuzz -- [--seed N] [--runs K] [--ops M] [--mode single|split] [--settle-ms MS]
                       [--shrink-budget SEC] [--regressions] [--verbose] | --replay FILE [--runs K]
  --seed N            first seed (default: from the clock); --seed N --runs 1 replays that seed
  --runs K            how many seeds, N, N+1, ... (default 1); with --replay, how many times
  --ops M             operations per seed (default 40)
  --mode single|split the deployment (default: odd seeds split, even ones single)
  --settle-ms MS      how long a run may take to settle (default 60000)
  --shrink-budget SEC how long to shrink a failing seed's list (default 180; 0: no shrinking)
  --regressions       also run the kept regression seeds and lists (test/fuzz/regression-seeds.json)
  --replay FILE       run the operation list in FILE (JSON, as a failure prints it)
  --verbose           print each passing run's operations too`;

function parseArgs(argv: string[]): Args {
  const args: Args = { seed: Date.now() % 1_000_000, runs: 1, ops: 40, settleMs: 60_000, shrinkBudgetSec: 180, replay: null, regressions: false, verbose: false };
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
    else if (flag === '--shrink-budget') args.shrinkBudgetSec = value();
    else if (flag === '--regressions') args.regressions = true;
    else if (flag === '--verbose') args.verbose = true;
    else if (flag === '--replay') {
      const file = argv[++i];
      if (!file) throw new Error('fuzz --replay: needs a file');
      args.replay = file;
    } else if (flag === '--mode') {
      const mode = argv[++i];
      if (mode !== 'single' && mode !== 'split') throw new Error('fuzz --mode: single or split');
      args.mode = mode;
    } else throw new Error(`fuzz: unknown flag ${flag}\n${USAGE}`);
  }
  return args;
}

/** Reads a saved list; a clear error, not a half-run, when the file is not one. */
function readList(file: string): SavedList {
  const list = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedList>;
  if ((list.mode !== 'single' && list.mode !== 'split') || !Array.isArray(list.ops)) {
    throw new Error(`fuzz --replay ${file}: expected {"mode": "single"|"split", "ops": [...]}, as a failure prints it`);
  }
  return list as SavedList;
}

/** Runs that once found a bug, replayed by --regressions (test/fuzz/regression-seeds.json). */
function regressions(): Regression[] {
  return JSON.parse(readFileSync(new URL('./regression-seeds.json', import.meta.url), 'utf8')) as Regression[];
}

const indent = (lines: string[], mark = '') => lines.map((line) => `  ${mark}${line}`).join('\n');

function printFailure(result: RunResult): void {
  console.log(indent(result.log));
  console.log(indent(result.problems, '! '));
  console.log(result.output);
}

/** The list as a file for --replay (and a regression entry's `mode` and `ops`): one operation a line. */
function formatList(list: SavedList): string {
  return `{"mode": "${list.mode}", "ops": [\n${list.ops.map((op) => `  ${JSON.stringify(op)}`).join(',\n')}\n]}`;
}

/**
 * Shrinks a failing run's list: candidates with operations removed run against fresh
 * processes; one that fails in any way counts (timing between processes is not replayed,
 * so a candidate may pass once and fail the next time: the shrunk list is run once more).
 */
async function shrinkFailure(seed: number, failed: RunResult, args: Args): Promise<void> {
  const mode = failed.split ? 'split' : 'single';
  const t0 = Date.now();
  console.log(`fuzz: shrinking seed ${seed}'s ${failed.ops.length} operations (budget ${args.shrinkBudgetSec} s)`);
  const shrunk = await ddmin(failed.ops, async (ops) => (await runOps(failed.split, ops, args)).problems.length > 0, {
    budgetMs: args.shrinkBudgetSec * 1000,
    onTry: (size, fails) => console.log(`fuzz: shrink: ${size} operations ${fails ? 'fail' : 'pass'}`),
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  const again = await runOps(failed.split, shrunk.items, args);
  const list = formatList({ mode, ops: shrunk.items });
  console.log(
    `fuzz: seed ${seed} shrunk to ${shrunk.items.length} of ${failed.ops.length} operations in ${secs} s (${shrunk.tries} runs${shrunk.outOfBudget ? ', budget spent' : ''}); ` +
      `run again it ${again.problems.length > 0 ? 'fails' : 'PASSED (a timing-dependent failure)'}. Save it for --replay:`,
  );
  console.log(list);
  if (again.problems.length > 0) {
    console.log(indent(again.log));
    console.log(indent(again.problems, '! '));
  }
  console.log(`fuzz: keep it: add {"seed": ${seed}, "note": "...", ${list.slice(1)} to test/fuzz/regression-seeds.json`);
}

/** One labelled run: prints its line (and, on failure, its report); resolves with the result. */
async function runOne(label: string, run: () => Promise<RunResult>, args: Args, replay: string): Promise<RunResult> {
  const t0 = Date.now();
  const result = await run();
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const mode = result.split ? 'split' : 'single';
  if (result.problems.length === 0) {
    console.log(`fuzz: ${label} (${mode}) ok in ${secs} s, settled in ${(result.settledMs / 1000).toFixed(1)} s`);
    if (args.verbose) console.log(indent(result.log));
  } else {
    console.log(`fuzz: ${label} (${mode}) FAILED in ${secs} s; replay: ${replay}`);
    printFailure(result);
  }
  return result;
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  let replayed: SavedList | null = null;
  try {
    args = parseArgs(argv);
    if (args.replay) replayed = readList(args.replay);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const failOn = process.env.HSYNC_FUZZ_FAIL_ON;
  if (failOn) args.failOn = failOn;
  const started = Date.now();
  let total = 0;
  let failed = 0;
  const count = (result: RunResult) => {
    total++;
    if (result.problems.length > 0) failed++;
    return result;
  };

  if (replayed) {
    const list = replayed;
    for (let i = 0; i < args.runs; i++) {
      await runOne(`${args.replay} run ${i + 1}`, () => runOps(list.mode === 'split', list.ops, args).then(count), args, `npm run fuzz -- --replay ${args.replay}`);
    }
  } else {
    const seeds = Array.from({ length: args.runs }, (_, i) => args.seed + i);
    const kept = args.regressions ? regressions() : [];
    for (const r of kept) if (!seeds.includes(r.seed)) seeds.push(r.seed);
    for (const seed of seeds) {
      const result = count(await runOne(`seed ${seed}`, () => runSeed(seed, args), args, `npm run fuzz -- --seed ${seed} --ops ${args.ops}`));
      if (result.problems.length > 0 && args.shrinkBudgetSec > 0) await shrinkFailure(seed, result, args);
    }
    for (const r of kept) {
      if (!r.mode || !r.ops) continue;
      const list = { mode: r.mode, ops: r.ops };
      await runOne(`seed ${r.seed}'s shrunk list`, () => runOps(list.mode === 'split', list.ops, args).then(count), args, `npm run fuzz -- --replay FILE, FILE holding seed ${r.seed}'s entry of test/fuzz/regression-seeds.json`);
    }
  }
  const minutes = (Date.now() - started) / 60_000;
  console.log(`fuzz: ${total} seeds, ${failed} failed, in ${(minutes * 60).toFixed(1)} s (${(total / minutes).toFixed(1)} seeds/min)`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
