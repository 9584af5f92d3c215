// bin/hsync.js runs the build in dist/cli/ only while no input of it changed since the build
// started, and the TypeScript sources through tsx otherwise: an edited source never runs stale.
// Checked on a copy of bin/hsync.js in a temp project whose "build" and "sources" say which ran.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const repo = join(import.meta.dirname, '..', '..', '..');
const project = mkdtempSync(join(tmpdir(), 'hsync-entry-'));
after(() => rmSync(project, { recursive: true, force: true }));

mkdirSync(join(project, 'bin'));
mkdirSync(join(project, 'cli'));
mkdirSync(join(project, 'dist/cli'), { recursive: true });
copyFileSync(join(repo, 'bin/hsync.js'), join(project, 'bin/hsync.js'));
symlinkSync(join(repo, 'node_modules'), join(project, 'node_modules'));
writeFileSync(join(project, 'package.json'), '{"type":"module"}');
writeFileSync(join(project, 'cli/main.ts'), 'export async function main(argv: string[]): Promise<number> { console.log(`source ${argv.join(" ")}`); return 0; }\n');
writeFileSync(join(project, 'dist/cli/main.js'), 'export async function main(argv) { console.log(`built ${argv.join(" ")}`); return 0; }\n');

const startedAt = Date.now();
writeFileSync(join(project, 'dist/cli/inputs.json'), JSON.stringify({ startedAt, inputs: ['cli/main.ts'] }));
const hsync = (env: Record<string, string> = {}) =>
  execFileSync(process.execPath, [join(project, 'bin/hsync.js'), 'x'], { encoding: 'utf8', env: { ...process.env, HSYNC_FROM_SOURCE: '', ...env } }).trim();
const touch = (path: string, ms: number) => utimesSync(join(project, path), ms / 1000, ms / 1000);

test('a build newer than its inputs runs', () => {
  touch('cli/main.ts', startedAt - 60_000);
  assert.equal(hsync(), 'built x');
});

test('an input changed after the build started: the sources run through tsx', () => {
  touch('cli/main.ts', startedAt + 1_000);
  assert.equal(hsync(), 'source x');
});

test('an input that is gone, a missing build, or HSYNC_FROM_SOURCE: the sources run', () => {
  touch('cli/main.ts', startedAt - 60_000);
  assert.equal(hsync({ HSYNC_FROM_SOURCE: '1' }), 'source x');
  writeFileSync(join(project, 'dist/cli/inputs.json'), JSON.stringify({ startedAt, inputs: ['cli/main.ts', 'cli/deleted.ts'] }));
  assert.equal(hsync(), 'source x');
  rmSync(join(project, 'dist/cli/inputs.json'));
  assert.equal(hsync(), 'source x');
});

test("the repository's own build loads and prints what the sources print", () => {
  // scripts/test.js builds first, so this runs dist/cli/ unless a source changed since.
  const fromBuild = execFileSync(process.execPath, [join(repo, 'bin/hsync.js'), '--help'], { encoding: 'utf8' });
  const fromSource = execFileSync(process.execPath, [join(repo, 'bin/hsync.js'), '--help'], { encoding: 'utf8', env: { ...process.env, HSYNC_FROM_SOURCE: '1' } });
  assert.equal(fromBuild, fromSource);
});
