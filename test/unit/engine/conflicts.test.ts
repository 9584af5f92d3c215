// Resolving a conflict on real files: each choice leaves the right bytes under the right
// names, and a file with changes not synced yet is never removed or overwritten.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { hashFile } from '../../../shared/node/blocks/chunker.js';
import { listConflicts, parseConflictCopy, resolveConflict } from '../../../shared/node/engine/conflicts.js';
import type { BaseEntry } from '../../../shared/node/engine/types.js';
import { nodeFileSystem } from '../../../shared/node/fs/node-file-system.js';

const dirs: string[] = [];
afterEach(async () => Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))));

const COPY = "docs/report (desk's conflicted copy 2026-12-04).txt";

/** A folder where docs/report.txt and its conflicted copy are both synced. */
async function folder(): Promise<{ root: string; base: Map<string, BaseEntry> }> {
  const root = await mkdtemp(join(tmpdir(), 'hsync-conflicts-'));
  dirs.push(root);
  await mkdir(join(root, 'docs'));
  await writeFile(join(root, 'docs', 'report.txt'), 'mine');
  await writeFile(join(root, COPY), "the desk's");
  const base = new Map<string, BaseEntry>();
  let rev = 1;
  for (const path of ['docs/report.txt', COPY]) {
    const h = await hashFile(join(root, path));
    base.set(path, { path, rev: rev++, fileId: `f${rev}`, contentHash: h.contentHash, size: h.size, mtime: 1, ino: 0, remoteMtime: 1000 * rev });
  }
  return { root, base };
}

test('a conflicted copy names its original and its device; other names are not copies', () => {
  assert.deepEqual(parseConflictCopy(COPY), { original: 'docs/report.txt', device: 'desk' });
  assert.deepEqual(parseConflictCopy("notes (my laptop's conflicted copy 2026-12-04 2)"), { original: 'notes', device: 'my laptop' });
  assert.equal(parseConflictCopy('docs/report.txt'), null);
});

test('the list pairs each copy with its original', async () => {
  const { base } = await folder();
  const [c] = listConflicts(base);
  assert.equal(c.original, 'docs/report.txt');
  assert.deepEqual([c.copy.size, c.current?.size], [10, 4]);
});

test('keep original removes the copy; keep the copy moves it over the original; keep both renames it plainly', async () => {
  let f = await folder();
  await resolveConflict(nodeFileSystem, f.root, f.base, COPY, 'original');
  assert.deepEqual(await readdir(join(f.root, 'docs')), ['report.txt']);
  assert.equal(await readFile(join(f.root, 'docs', 'report.txt'), 'utf8'), 'mine');

  f = await folder();
  await resolveConflict(nodeFileSystem, f.root, f.base, COPY, 'copy');
  assert.deepEqual(await readdir(join(f.root, 'docs')), ['report.txt']);
  assert.equal(await readFile(join(f.root, 'docs', 'report.txt'), 'utf8'), "the desk's");

  f = await folder();
  await writeFile(join(f.root, 'docs', 'report (2).txt'), 'taken');
  await resolveConflict(nodeFileSystem, f.root, f.base, COPY, 'both');
  assert.deepEqual((await readdir(join(f.root, 'docs'))).sort(), ['report (2).txt', 'report (3).txt', 'report.txt']);
  assert.equal(await readFile(join(f.root, 'docs', 'report (3).txt'), 'utf8'), "the desk's");
});

test('unsynced changes on either side are refused and nothing moves', async () => {
  const f = await folder();
  await writeFile(join(f.root, 'docs', 'report.txt'), 'edited since the sync');
  await assert.rejects(resolveConflict(nodeFileSystem, f.root, f.base, COPY, 'copy'), /"docs\/report.txt" has changes not synced yet/);
  await writeFile(join(f.root, COPY), 'copy edited too');
  await assert.rejects(resolveConflict(nodeFileSystem, f.root, f.base, COPY, 'original'), /has changes not synced yet/);
  assert.equal(await readFile(join(f.root, 'docs', 'report.txt'), 'utf8'), 'edited since the sync');
  assert.equal(await readFile(join(f.root, COPY), 'utf8'), 'copy edited too');
  await assert.rejects(resolveConflict(nodeFileSystem, f.root, f.base, 'docs/report.txt', 'original'), /no synced conflicted copy/);
});
