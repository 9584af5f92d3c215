import { strict as assert } from 'node:assert';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { defaultFloor, spaceBudget } from '../../../shared/node/engine/disk-space.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';

test('with no floor set, 1 GB stays free, or 5 % of a disk under 20 GB', async () => {
  assert.equal(defaultFloor(2e12), 1e9, 'a 2 TB disk keeps 1 GB, not 100 GB');
  assert.equal(defaultFloor(8e9), 4e8, 'an 8 GB card keeps 400 MB, not all of its free space');
  const fs = await statfs(tmpdir());
  const budget = await spaceBudget(nodeFileSystem, tmpdir());
  assert.equal(budget.floor, defaultFloor(fs.blocks * fs.bsize));
  assert.equal(budget.take(budget.free - budget.floor + 1), false, 'one byte past the floor is refused');
});
