import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeIgnoreRules } from '../../../shared/node/engine/ignore-rules.js';

const defaults = makeIgnoreRules('');
const rows: [string, boolean][] = [
  ['~$report.docx', true],
  ['docs/~$budget.xlsx', true],
  ['.~lock.report.odt#', true],
  ['.notes.txt.swp', true],
  ['notes.txt~', true],
  ['sub/.DS_Store', true],
  ['Thumbs.db', true],
  ['desktop.ini', true],
  ['.hsync/tmp/x.part', true],
  ['.hsyncignore', true],
  ['sub/.hsyncignore', false],
  ['report.docx', false],
  ['swp.txt', false],
  ['docs/.hidden', false],
];
for (const [path, ignored] of rows) {
  test(`default rules: ${path} ${ignored ? 'ignored' : 'synced'}`, () => assert.equal(defaults.ignores(path), ignored));
}

test('.hsyncignore uses gitignore syntax, folders included', () => {
  const rules = makeIgnoreRules('# build output\nnode_modules/\n*.class\n!keep.class\n/top-only.txt\n');
  assert.equal(rules.ignores('proj/node_modules/x/index.js'), true);
  assert.equal(rules.ignores('A.class'), true);
  assert.equal(rules.ignores('keep.class'), false);
  assert.equal(rules.ignores('top-only.txt'), true);
  assert.equal(rules.ignores('sub/top-only.txt'), false);
  assert.deepEqual(rules.userPatterns, ['node_modules/', '*.class', '!keep.class', '/top-only.txt']);
});

test('patterns match names in either Unicode form', () => {
  const nfd = 'cafe\u0301'; // "café" as macOS writes it
  const nfc = 'caf\u00e9';
  const fromNfd = makeIgnoreRules(`${nfd}.txt`);
  assert.equal(fromNfd.ignores(`${nfc}.txt`), true);
  assert.equal(fromNfd.ignores(`${nfd}.txt`), true);
  const fromNfc = makeIgnoreRules(`${nfc}/`);
  assert.equal(fromNfc.ignores(`${nfd}/x.txt`), true);
});
