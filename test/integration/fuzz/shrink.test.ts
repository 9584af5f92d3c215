// The fuzzer's shrinking against real processes: a deliberately broken invariant check
// (HSYNC_FUZZ_FAIL_ON: the run fails when its list holds a truncate) makes seed 10 fail;
// `npm run fuzz` must print the seed and a shrunk list that holds the truncate and nothing
// else, and `--replay` of that list must fail the same way (and pass without the hook).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

function fuzz(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fuzz', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out }));
  });
}

test('a failing seed prints a shrunk list with only the operation that fails it; --replay runs that list', { timeout: 240_000 }, async () => {
  // Seed 10's six operations: delete truncate wait append wait delete (test/fuzz/operations.ts).
  const run = await fuzz(['--seed', '10', '--ops', '6', '--shrink-budget', '120'], { HSYNC_FUZZ_FAIL_ON: 'truncate' });
  assert.equal(run.code, 1, run.out);
  assert.match(run.out, /^fuzz: seed 10 \(single\) FAILED .*replay: npm run fuzz -- --seed 10 --ops 6$/m);
  assert.match(run.out, /deliberate failure \(HSYNC_FUZZ_FAIL_ON=truncate\): op 1 is one/);
  assert.match(run.out, /^fuzz: seed 10 shrunk to 1 of 6 operations in \d+ s \(\d+ runs\); run again it fails/m);
  const printed = /^\{"mode": .*?^\]\}$/ms.exec(run.out);
  assert.ok(printed, run.out);
  const list = JSON.parse(printed[0]) as { mode: string; ops: { kind: string }[] };
  assert.equal(list.mode, 'single');
  assert.deepEqual(list.ops.map((op) => op.kind), ['truncate']);

  const dir = await mkdtemp(join(tmpdir(), 'hsync-shrunk-'));
  try {
    const file = join(dir, 'seed-10.json');
    await writeFile(file, printed[0]);
    const again = await fuzz(['--replay', file], { HSYNC_FUZZ_FAIL_ON: 'truncate' });
    assert.equal(again.code, 1, again.out);
    assert.match(again.out, /FAILED/);
    assert.match(again.out, /"kind":"truncate".*-> skipped \(ENOENT\)/, 'the truncate ran (on a file that is not there)');
    const fixed = await fuzz(['--replay', file]);
    assert.equal(fixed.code, 0, fixed.out);
    assert.match(fixed.out, /^fuzz: 1 seeds, 0 failed/m);
    await writeFile(file, '[1, 2]');
    const bad = await fuzz(['--replay', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /expected \{"mode": "single"\|"split", "ops": \[\.\.\.\]\}/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
