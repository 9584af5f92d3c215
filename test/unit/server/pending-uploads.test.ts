import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { CommitResult } from '../../../shared/common/protocol.js';
import { MAX_PENDING_BLOCKS_PER_NAMESPACE, MAX_PENDING_PER_NAMESPACE } from '../../../shared/common/limits.js';
import { PendingUploads } from '../../../server/meta/pending-uploads.js';

const MiB = 1024 * 1024;
const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const blocks = (seed: string, n: number) => Array.from({ length: n }, (_, i) => hash(`${seed}-${i}`));
const put = (path: string, list: string[], size = (list.length - 1) * 4 * MiB + 10) => ({ kind: 'put', path, parentRev: null, size, mtime: 1700000000123.7, blocks: list });
const needBlocks = (list: string[]): CommitResult => ({ status: 'need_blocks', missing: list as never });
const committed: CommitResult = { status: 'committed', entry: {} as never };

describe('PendingUploads', () => {
  it('announces a multi-block put answered need_blocks, with its content hash, and forgets it when the path commits', () => {
    let now = 1000;
    const pending = new PendingUploads(() => now);
    const list = blocks('big', 3);
    const seq0 = pending.seqOf(1);
    assert.equal(pending.record(1, 'laptop', [put('a/big.bin', list)], [needBlocks(list)]), true);
    const [upload] = pending.list(1);
    assert.equal(upload.path, 'a/big.bin');
    assert.equal(upload.size, 8 * MiB + 10);
    assert.equal(upload.mtime, 1700000000123);
    assert.equal(upload.device, 'laptop');
    assert.deepEqual(upload.blocks, list);
    assert.equal(upload.contentHash, createHash('sha256').update(Buffer.from(list.join(''), 'hex')).digest('hex'));
    assert.ok(pending.seqOf(1) > seq0);
    assert.equal(pending.has(1), true);
    assert.deepEqual(pending.list(2), [], 'another namespace sees nothing');
    now += 5000;
    // Another device's commit of the path lands: the upload is over, whoever finished it.
    assert.equal(pending.record(1, 'desktop', [put('a/big.bin', list)], [committed]), false);
    assert.deepEqual(pending.list(1), []);
    assert.equal(pending.has(1), false);
  });

  it('ignores one-block files and every other answer', () => {
    const pending = new PendingUploads();
    const one = blocks('one', 1);
    assert.equal(pending.record(1, 'laptop', [put('small.txt', one, 100)], [needBlocks(one)]), false);
    const two = blocks('two', 2);
    assert.equal(pending.record(1, 'laptop', [put('c.bin', two)], [{ status: 'conflict', current: null }]), false);
    assert.equal(pending.record(1, 'laptop', [{ kind: 'delete', path: 'd', parentRev: 3 }, null], [committed, committed]), false);
    assert.deepEqual(pending.list(1), []);
  });

  it('expires uploads after the timeout, oldest first', () => {
    let now = 0;
    const pending = new PendingUploads(() => now, 60_000);
    const x = blocks('x', 2);
    const y = blocks('y', 2);
    pending.record(7, 'laptop', [put('x.bin', x)], [needBlocks(x)]);
    now = 30_000;
    pending.record(7, 'laptop', [put('y.bin', y)], [needBlocks(y)]);
    now = 60_000;
    assert.deepEqual(pending.list(7).map((u) => u.path), ['y.bin']);
    now = 90_001;
    assert.deepEqual(pending.list(7), []);
    assert.equal(pending.has(7), false);
  });

  it('drops an upload when its device commits something else for the path, but not for another device\'s answer', () => {
    const pending = new PendingUploads();
    const v1 = blocks('v1', 2);
    const v2 = blocks('v2', 3);
    pending.record(1, 'laptop', [put('doc.bin', v1)], [needBlocks(v1)]);
    // Another device's rejected or conflicting change leaves laptop's upload alone.
    pending.record(1, 'desktop', [put('doc.bin', v2)], [{ status: 'conflict', current: null }]);
    assert.equal(pending.list(1).length, 1);
    // Laptop now uploads other content for the path: it replaces the first.
    pending.record(1, 'laptop', [put('doc.bin', v2)], [needBlocks(v2)]);
    assert.deepEqual(pending.list(1).map((u) => u.blocks), [v2]);
    // Laptop deletes it instead (answered conflict): gone.
    pending.record(1, 'laptop', [{ kind: 'delete', path: 'doc.bin', parentRev: 9 }], [{ status: 'conflict', current: null }]);
    assert.deepEqual(pending.list(1), []);
    // A move away from the path ends it too.
    pending.record(1, 'laptop', [put('m.bin', v1)], [needBlocks(v1)]);
    pending.record(1, 'desktop', [{ kind: 'move', from: 'm.bin', fromRev: 1, path: 'n.bin', parentRev: null }], [committed]);
    assert.deepEqual(pending.list(1), []);
  });

  it('keeps at most a bounded number per namespace, dropping the oldest', () => {
    const pending = new PendingUploads();
    for (let i = 0; i <= MAX_PENDING_PER_NAMESPACE; i++) {
      const list = blocks(`f${i}`, 2);
      pending.record(1, 'laptop', [put(`f${i}.bin`, list)], [needBlocks(list)]);
    }
    const paths = pending.list(1).map((u) => u.path);
    assert.equal(paths.length, MAX_PENDING_PER_NAMESPACE);
    assert.equal(paths[0], 'f1.bin');
  });

  it('holds at most a bounded number of block hashes per namespace, and does not hint at a file bigger than that', () => {
    const pending = new PendingUploads();
    const quarter = MAX_PENDING_BLOCKS_PER_NAMESPACE / 4;
    for (let i = 0; i < 5; i++) {
      const list = Array.from({ length: quarter }, (_, j) => `${i}`.padStart(8, '0') + String(j).padStart(56, '0'));
      pending.record(1, 'laptop', [put(`q${i}.bin`, list)], [needBlocks(list)]);
    }
    const held = pending.list(1);
    assert.deepEqual(held.map((u) => u.path), ['q1.bin', 'q2.bin', 'q3.bin', 'q4.bin']);
    const huge = Array.from({ length: MAX_PENDING_BLOCKS_PER_NAMESPACE + 1 }, (_, j) => String(j).padStart(64, 'f'));
    pending.record(2, 'laptop', [put('huge.bin', huge)], [needBlocks(huge)]);
    assert.deepEqual(pending.list(2), []);
  });
});
