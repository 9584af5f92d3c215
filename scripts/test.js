// `npm test`: lint, typecheck, then every test — unit and integration under node:test,
// end-to-end under Playwright — and one closing line "tests: N passed, N failed, N skipped".
// `node scripts/test.js unit|integration|e2e|static|sim|fuzz` runs one part; extra args filter files.
// The fuzz part runs 10 fixed seeds and the kept regression seeds (docs/testing.md).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [part = 'all', ...filters] = process.argv.slice(2);

// Every test, server and browser of this run makes its temp folders under one folder of
// the run's own (TMPDIR, which os.tmpdir() and Chromium honour), removed when the run
// ends, so a run leaves nothing in the system temp folder whatever a test forgot.
const systemTemp = tmpdir();
const runTemp = mkdtempSync(join(systemTemp, 'hsync-run-'));
process.env.TMPDIR = runTemp;
const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

function run(label, command, args, env = {}) {
  console.log(`\n== ${label}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) broken = true;
  return result.status;
}

function testFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path, suffix));
    else if (name.endsWith(suffix) && filters.every((f) => path.includes(f))) out.push(path);
  }
  return out;
}

function nodeTests(kind) {
  const files = testFiles(join('test', kind), '.test.ts');
  if (files.length === 0) return;
  const tap = join(mkdtempSync(join(runTemp, 'hsync-tap-')), 'out.tap');
  run(`${kind} tests (${files.length} files)`, process.execPath, [
    '--import', 'tsx', '--test', '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  // The tap summary is the last "# pass/# fail/# skipped" block of the file.
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (key) => Number([...text.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  totals.passed += count('pass');
  totals.failed += count('fail');
  totals.skipped += count('skipped') + count('todo');
}

function e2eTests() {
  const files = testFiles(join('test', 'e2e'), '.spec.ts');
  if (files.length === 0) return;
  const report = join(mkdtempSync(join(runTemp, 'hsync-pw-')), 'report.json');
  run('end-to-end tests (Playwright)', process.execPath, ['node_modules/@playwright/test/cli.js', 'test', ...filters], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: report,
  });
  if (!existsSync(report)) return;
  const stats = JSON.parse(readFileSync(report, 'utf8')).stats ?? {};
  totals.passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
  totals.failed += stats.unexpected ?? 0;
  totals.skipped += stats.skipped ?? 0;
}

// The seeded simulation (docs/testing.md): a fixed range of seeds plus the seed of the day.
// The day's seed varies the run by date; a failure prints the seed to replay.
function simulation() {
  const status = run(`simulation (${SIM_SEEDS} seeds + the seed of the day)`, process.execPath, ['--import', 'tsx', 'sim/main.ts', '--runs', String(SIM_SEEDS), '--daily', '--jobs', '2']);
  if (status === 0) totals.passed += 1;
  else totals.failed += 1;
}
const SIM_SEEDS = 500;

function fuzzSeeds() {
  console.log('\n== fuzz of the real processes (10 seeds and the regression seeds)');
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/fuzz/main.ts', '--seed', '1', '--runs', '10', '--regressions'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(result.stdout ?? '');
  if (result.status !== 0) broken = true;
  const summary = /^fuzz: (\d+) seeds, (\d+) failed/m.exec(result.stdout ?? '');
  if (!summary) return;
  totals.passed += Number(summary[1]) - Number(summary[2]);
  totals.failed += Number(summary[2]);
}

// Tests run `hsync` the way users do: from the build in dist/cli/ (bin/hsync.js runs it
// while it is fresh). Rebuilt here when a source changed, so no test meets a stale build.
if (['all', 'unit', 'integration', 'e2e', 'fuzz'].includes(part)) {
  run('build the hsync command', process.execPath, ['scripts/build-cli.js']);
}
if (part === 'all' || part === 'static') {
  run('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);
  run('typecheck', process.execPath, ['scripts/typecheck.js']);
}
if (part === 'all' || part === 'unit') nodeTests('unit');
if (part === 'all' || part === 'integration') nodeTests('integration');
if (part === 'all' || part === 'e2e') e2eTests();
if (part === 'all' || part === 'sim') simulation();
if (part === 'all' || part === 'fuzz') fuzzSeeds();

// What the tests left behind is named, so a leak is seen, then removed with the rest (tsx-* and
// playwright-transform-cache-* are those tools' own compile caches, not a test's).
const leftovers = readdirSync(runTemp).filter((name) => !/^(hsync-(tap|pw)-|tsx-|playwright-transform-cache-)/.test(name));
if (leftovers.length > 0) console.log(`\ntemp folders the tests left, now removed: ${leftovers.length} (${leftovers.join(', ')})`);
rmSync(runTemp, { recursive: true, force: true, maxRetries: 3 });

console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(broken || totals.failed > 0 ? 1 : 0);
