// npm run sim -- [--seed N] [--runs K] [--steps S]: seeded simulation runs of three devices
// against the server's real metadata logic (docs/testing.md "Simulation"). A failing seed is
// printed with its shrunk step list; --seed N replays it exactly. Exit 1 on any failure.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEVICES, runSteps } from './run-seed.js';
import { shrink } from './shrink.js';
import { generateSteps, type Step } from './steps.js';

const USAGE = `usage: npm run sim -- [--seed N] [--runs K] [--steps S] [--daily] [--no-power-cuts] | --replay FILE
  --seed N   first seed (default 1); with --runs 1 it replays that seed exactly
  --runs K   how many seeds, N, N+1, ... (default 100)
  --steps S  steps per seed (default 60)
  --daily    also run the seed of the day (the UTC date as YYYYMMDD)
  --jobs J   runs the seeds in J processes (default 1; one per core is fastest)
  --no-power-cuts  draws no power cuts of a device mid-sync (docs/testing.md "Power cuts")
  --replay F runs the step list in F (JSON, as a failure prints it) and shows what happens`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { jobs: { type: 'string' }, part: { type: 'string' }, replay: { type: 'string' }, seed: { type: 'string' }, runs: { type: 'string' }, steps: { type: 'string' }, daily: { type: 'boolean' }, 'no-power-cuts': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.replay) {
    const result = await runSteps(JSON.parse(readFileSync(values.replay, 'utf8')) as Step[]);
    console.log(`sync outcomes:\n  ${result.log.join('\n  ')}`);
    console.log(result.problems.length === 0 ? 'sim: the steps pass' : `sim: the steps FAIL:\n  ${result.problems.join('\n  ')}`);
    return result.problems.length === 0 ? 0 : 1;
  }
  const number = (raw: string | undefined, fallback: number, what: string) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`sim: ${what} must be a whole number, got "${raw}"`);
    return n;
  };
  const first = number(values.seed, 1, '--seed');
  const runs = number(values.runs, 100, '--runs');
  const stepCount = number(values.steps, 60, '--steps');
  const jobs = Math.max(1, number(values.jobs, 1, '--jobs'));
  let seeds = Array.from({ length: runs }, (_, i) => first + i);
  if (values.daily) seeds.push(Number(new Date().toISOString().slice(0, 10).replaceAll('-', '')));
  const started = performance.now();
  if (jobs > 1) {
    // Each child takes every J-th seed; the first failure's report is a child's own output.
    const args = process.argv.slice(2).filter((a, i, all) => a !== '--jobs' && all[i - 1] !== '--jobs');
    const codes = await Promise.all(
      Array.from({ length: jobs }, (_, j) => new Promise<number>((done) => {
        const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--part', `${j}/${jobs}`], { stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('exit', (code) => done(code ?? 1));
      })),
    );
    const seconds = (performance.now() - started) / 1000;
    const failed = codes.some((code) => code !== 0);
    console.log(`sim: ${seeds.length} seeds of ${stepCount} steps ${failed ? 'FAILED' : 'passed'} in ${seconds.toFixed(1)} s with ${jobs} processes (${(seeds.length / seconds).toFixed(1)} seeds/s)`);
    return failed ? 1 : 0;
  }
  if (values.part) {
    const [j, of] = values.part.split('/').map(Number);
    seeds = seeds.filter((_, i) => i % of === j);
  }
  for (const seed of seeds) {
    const steps = generateSteps(seed, DEVICES, stepCount, { powerCuts: !values['no-power-cuts'] });
    const result = await runSteps(steps);
    if (result.problems.length === 0) continue;
    console.log(`sim: seed ${seed} FAILED:\n  ${result.problems.join('\n  ')}`);
    const small = await shrink(steps, async (candidate) => (await runSteps(candidate)).problems.length > 0);
    const again = await runSteps(small);
    console.log(`shrunk to ${small.length} of ${steps.length} steps (save as a file for --replay):\n[\n${small.map((s) => `  ${JSON.stringify(s)}`).join(',\n')}\n]`);
    console.log(`which fails with:\n  ${again.problems.join('\n  ')}\nsync outcomes:\n  ${again.log.join('\n  ')}`);
    console.log(`replay: npm run sim -- --seed ${seed} --runs 1 --steps ${stepCount}${values['no-power-cuts'] ? ' --no-power-cuts' : ''}`);
    return 1;
  }
  const seconds = (performance.now() - started) / 1000;
  if (values.part) return 0; // the parent prints the total
  console.log(`sim: ${seeds.length} seeds of ${stepCount} steps passed in ${seconds.toFixed(1)} s (${(seeds.length / seconds).toFixed(1)} seeds/s)`);
  return 0;
}

process.exitCode = await main();
