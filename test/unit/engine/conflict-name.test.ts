import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conflictCopyPath, isConflictCopy, splitExtension } from '../../../shared/node/engine/conflict-name.js';

const at = Date.UTC(2026, 10, 25, 12);
const none = () => false;

const rows: [string, string][] = [
  ['report.docx', "report (laptop's conflicted copy 2026-11-25).docx"],
  ['docs/notes.txt', "docs/notes (laptop's conflicted copy 2026-11-25).txt"],
  ['Makefile', "Makefile (laptop's conflicted copy 2026-11-25)"],
  ['.bashrc', ".bashrc (laptop's conflicted copy 2026-11-25)"],
  ['a.tar.gz', "a.tar (laptop's conflicted copy 2026-11-25).gz"],
  ['dir.v2/file', "dir.v2/file (laptop's conflicted copy 2026-11-25)"],
];
for (const [path, expected] of rows) {
  test(`conflict copy of ${path}`, () => assert.equal(conflictCopyPath(path, 'laptop', at, none), expected));
}

test('a taken name gets a counter', () => {
  const taken = new Set(["r (pc's conflicted copy 2026-11-25).txt", "r (pc's conflicted copy 2026-11-25 2).txt"]);
  assert.equal(conflictCopyPath('r.txt', 'pc', at, (p) => taken.has(p)), "r (pc's conflicted copy 2026-11-25 3).txt");
});

test('a slash in the device name cannot make a new folder', () => {
  assert.equal(conflictCopyPath('a.txt', 'x/../y', at, none), "a (x_.._y's conflicted copy 2026-11-25).txt");
});

test('very long names stay within 255 bytes', () => {
  const name = 'é'.repeat(120) + '.txt';
  const copy = conflictCopyPath(name, 'laptop', at, none);
  assert.ok(Buffer.byteLength(copy) <= 255, `${Buffer.byteLength(copy)} bytes`);
  assert.ok(copy.endsWith("(laptop's conflicted copy 2026-11-25).txt"));
});

test('a long extension or a long device name still gives a name within 255 bytes', () => {
  const dotted = 'a.' + 'x'.repeat(240);
  const copy = conflictCopyPath(dotted, 'laptop', at, none);
  assert.ok(Buffer.byteLength(copy) <= 255, `${Buffer.byteLength(copy)} bytes`);
  assert.ok(copy.startsWith('a.xxx') && copy.endsWith("(laptop's conflicted copy 2026-11-25)"), copy);
  const emoji = conflictCopyPath('notes.txt', '😀'.repeat(64), at, none);
  assert.ok(Buffer.byteLength(emoji) <= 255, `${Buffer.byteLength(emoji)} bytes`);
  assert.ok(emoji.startsWith('notes (😀') && emoji.endsWith('.txt'), emoji);
  const numbered = conflictCopyPath('é'.repeat(127), 'pc', at, (c) => !c.includes(' 3)'));
  assert.ok(Buffer.byteLength(numbered) <= 255 && numbered.endsWith(' 3)'), numbered);
});

test('conflict copies are recognised', () => {
  assert.equal(isConflictCopy(conflictCopyPath('a.txt', 'pc', at, none)), true);
  assert.equal(isConflictCopy('a.txt'), false);
  assert.deepEqual(splitExtension('x.'), { stem: 'x', ext: '.' });
});
