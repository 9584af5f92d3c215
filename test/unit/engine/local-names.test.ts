import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { caseConflictPath, isConflictCopy } from '../../../shared/node/engine/conflict-name.js';
import { caseClashes, localNameProblem, localPathProblem, probeCaseInsensitive } from '../../../shared/node/engine/local-names.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';

test('Windows rules apply on win32 only, naming the character and its position', () => {
  for (const path of ['a:b.txt', 'x/what?.pdf', 'CON', 'con.txt', 'Nul.tar.gz', 'COM1', 'lpt9.log', 'CON .txt', 'com¹', 'trailing.', 'trailing ', 'dir./x', 'q"uote', 'p|ipe', 'st*r', '<a>']) {
    assert.ok(localNameProblem(path, 'win32'), path);
    assert.equal(localNameProblem(path, 'linux'), null, path);
    assert.equal(localNameProblem(path, 'darwin'), null, path);
  }
  for (const path of ['console.txt', 'CONX', 'com10', 'a.b.c', 'emoji 🎉.txt', '.hidden', 'nul_', 'dir/.x']) assert.equal(localNameProblem(path, 'win32'), null, path);
  assert.equal(localNameProblem('docs/a:b.txt', 'win32'), 'character ":" at position 1 of "a:b.txt" is not allowed in a Windows name');
});

test('case clashes: held names keep theirs, the first new one in code-unit order wins, folders clash too', () => {
  const clashes = caseClashes(['a.txt', 'A.txt', 'Docs/new.txt', 'b/C.txt', 'B/c.txt', 'same.txt'], ['docs/old.txt', 'same.txt']);
  assert.deepEqual(Object.fromEntries(clashes), {
    'a.txt': { kind: 'file', with: 'A.txt' },
    'Docs/new.txt': { kind: 'folder', with: 'docs' },
    'b/C.txt': { kind: 'folder', with: 'B' },
  });
  assert.deepEqual(Object.fromEntries(caseClashes(['README'], ['readme/x'])), { README: { kind: 'folder', with: 'readme' } });
});

test('"(Case Conflict)" names keep the extension, count up, and are never conflicted again', () => {
  assert.equal(caseConflictPath('d/a.txt', () => false), 'd/a (Case Conflict).txt');
  assert.equal(caseConflictPath('a.txt', (p) => p === 'a (Case Conflict).txt'), 'a (Case Conflict 2).txt');
  assert.ok(isConflictCopy('a (Case Conflict 2).txt'));
});

test('the probe finds this temp disk case-sensitive and leaves nothing behind', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hsync-probe-'));
  try {
    await mkdir(join(root, '.hsync'));
    assert.equal(probeCaseInsensitive(nodeFileSystem, root), process.platform === 'darwin' || process.platform === 'win32');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a full path over the system limit: 4,095 bytes here, 32,767 characters on Windows', () => {
  assert.equal(localPathProblem(`/${'é'.repeat(2047)}`, 'linux'), null);
  assert.equal(localPathProblem(`/${'é'.repeat(2048)}`, 'linux'), "its full path here is 4097 bytes, over this system's limit of 4095");
  assert.equal(localPathProblem(`C:\\${'é'.repeat(5000)}`, 'win32'), null);
  assert.match(localPathProblem(`C:\\${'a'.repeat(32_765)}`, 'win32') ?? '', /32768 characters/);
});
