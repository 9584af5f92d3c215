// `npm start` finds the Electron binary, or fetches it once with the package's own
// installer (here a stand-in install.js that behaves like the real one: it writes
// path.txt and dist/<binary>, or prints a stack and exits 1), and remembers a failure.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
// @ts-expect-error plain JavaScript module shared with scripts/start.js
import { ensureElectron, RETRY_AFTER_MS } from '../../../scripts/electron-binary.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const SUCCEEDS = `const fs = require('fs'); const p = require('path');
fs.appendFileSync(p.join(__dirname, 'runs'), 'x');
fs.mkdirSync(p.join(__dirname, 'dist'), { recursive: true });
fs.writeFileSync(p.join(__dirname, 'dist', 'electron'), '#!/bin/sh\\n');
fs.writeFileSync(p.join(__dirname, 'path.txt'), 'electron');`;
const FAILS = `require('fs').appendFileSync(require('path').join(__dirname, 'runs'), 'x');
console.error('RequestError: getaddrinfo ENOTFOUND github.com\\n    at ClientRequest.<anonymous>');
process.exit(1);`;

function fakePackage(installer: string): { dir: string; marker: string; runs: () => number } {
  const base = mkdtempSync(join(tmpdir(), 'hsync-electron-'));
  dirs.push(base);
  const dir = join(base, 'node_modules', 'electron');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"electron","version":"41.7.1"}');
  writeFileSync(join(dir, 'install.js'), installer);
  const runsFile = join(dir, 'runs');
  return { dir, marker: join(base, 'cache', 'electron-fetch-failed'), runs: () => (existsSync(runsFile) ? readFileSync(runsFile, 'utf8').length : 0) };
}

const quiet = () => undefined;

test('a missing binary is fetched once with the installer, then found without it', () => {
  const pkg = fakePackage(SUCCEEDS);
  const lines: string[] = [];
  const first = ensureElectron({ dir: pkg.dir, env: {}, markerFile: pkg.marker, log: (l: string) => lines.push(l) });
  assert.equal(first.path, join(pkg.dir, 'dist', 'electron'));
  assert.match(lines.join('\n'), /Fetching the Electron binary/);
  const second = ensureElectron({ dir: pkg.dir, env: {}, markerFile: pkg.marker, log: quiet });
  assert.equal(second.path, first.path);
  assert.equal(pkg.runs(), 1, 'the installer ran once');
});

test('ELECTRON_SKIP_BINARY_DOWNLOAD never fetches and says why', () => {
  const pkg = fakePackage(SUCCEEDS);
  const out = ensureElectron({ dir: pkg.dir, env: { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, markerFile: pkg.marker, log: quiet });
  assert.equal(out.path, undefined);
  assert.match(out.reason, /installed without its binary, and ELECTRON_SKIP_BINARY_DOWNLOAD is set/);
  assert.equal(pkg.runs(), 0);
});

test('a failed fetch gives the installer\'s error line, and is not retried for a day', () => {
  const pkg = fakePackage(FAILS);
  const first = ensureElectron({ dir: pkg.dir, env: {}, markerFile: pkg.marker, log: quiet });
  assert.equal(first.path, undefined);
  assert.equal(first.reason, 'fetching it failed: RequestError: getaddrinfo ENOTFOUND github.com');
  const again = ensureElectron({ dir: pkg.dir, env: {}, markerFile: pkg.marker, log: quiet });
  assert.match(again.reason, /fetching it failed recently \(.* RequestError: getaddrinfo ENOTFOUND github.com\)/);
  assert.equal(pkg.runs(), 1, 'no second attempt within a day');
  const dayAgo = (Date.now() - RETRY_AFTER_MS - 60_000) / 1000;
  utimesSync(pkg.marker, dayAgo, dayAgo);
  ensureElectron({ dir: pkg.dir, env: {}, markerFile: pkg.marker, log: quiet });
  assert.equal(pkg.runs(), 2, 'tried again after a day');
});

test('a present binary is used as is', () => {
  const pkg = fakePackage(FAILS);
  mkdirSync(join(pkg.dir, 'dist'));
  writeFileSync(join(pkg.dir, 'dist', 'electron'), '');
  writeFileSync(join(pkg.dir, 'path.txt'), 'electron');
  assert.equal(ensureElectron({ dir: pkg.dir, env: {}, markerFile: pkg.marker, log: quiet }).path, join(pkg.dir, 'dist', 'electron'));
  assert.equal(pkg.runs(), 0);
});
