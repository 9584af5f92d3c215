// The synced folder's .hsync/ is the user's alone (docs/protocol.md "File modes"): made 0700,
// an older one tightened at start, and a link in its place never chmod-ed through.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeReservedDir } from '../../../shared/node/engine/folder-guard.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';

const dir = mkdtempSync(join(tmpdir(), 'hsync-reserved-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const mode = (path: string) => statSync(path).mode & 0o777;

test('a new .hsync/ is 0700, and one made readable by an older version is tightened', () => {
  const fresh = join(dir, 'fresh');
  mkdirSync(fresh);
  makeReservedDir(nodeFileSystem, fresh);
  assert.equal(mode(join(fresh, '.hsync')), 0o700);
  const older = join(dir, 'older');
  mkdirSync(join(older, '.hsync', 'trash'), { recursive: true });
  chmodSync(join(older, '.hsync'), 0o755);
  makeReservedDir(nodeFileSystem, older);
  assert.equal(mode(join(older, '.hsync')), 0o700);
});

test('a link in the place of .hsync/ is left alone: what it points to keeps its mode', () => {
  const root = join(dir, 'linked');
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(root);
  mkdirSync(elsewhere);
  chmodSync(elsewhere, 0o755);
  symlinkSync(elsewhere, join(root, '.hsync'));
  makeReservedDir(nodeFileSystem, root);
  assert.equal(mode(elsewhere), 0o755);
});
