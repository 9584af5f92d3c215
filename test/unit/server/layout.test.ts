import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutProblem } from '../../../server/meta/commit.js';

const M4 = 4 * 1024 * 1024;
const sizes = new Map([
  ['full1', M4],
  ['full2', M4],
  ['small', 10],
  ['empty', 0],
]);

describe('layoutProblem (a blocklist must be 4 MiB blocks then one last block, summing to size)', () => {
  const cases: [string[], number, RegExp | null][] = [
    [[], 0, null],
    [['small'], 10, null],
    [['full1'], M4, null],
    [['full1', 'full2'], 2 * M4, null],
    [['full1', 'small'], M4 + 10, null],
    [['full1', 'full1'], 2 * M4, null], // the same block twice is a real file (repeated content)
    [[], 1, /size 1 does not match its blocks \(0 bytes\)/],
    [['small'], 11, /size 11 does not match its blocks \(10 bytes\)/],
    [['small', 'full1'], M4 + 10, /block 0 is 10 bytes; every block but the last must be 4194304/],
    [['empty'], 0, /block 0 is empty/],
    [['unknown'], 5, /block 0 \(unknown\) is not stored/],
  ];
  for (const [blocks, size, expected] of cases) {
    it(`${JSON.stringify(blocks)} as ${size} bytes → ${expected ?? 'fine'}`, () => {
      const problem = layoutProblem(blocks, sizes, size);
      if (expected === null) assert.equal(problem, null);
      else assert.match(problem ?? '', expected);
    });
  }
});
