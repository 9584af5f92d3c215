// What the end-to-end benches write into a synced folder and how they tell that the other
// side holds it: file checks that cost the synced processes nothing but a stat, and the
// byte-for-byte comparisons run once a case is timed. Names starting with a dot at the top
// of a folder (.hsync/, Syncthing's .stfolder) are the products' own and are not counted.

import { randomFillSync } from 'node:crypto';
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashFile } from '../shared/node/blocks/chunker.js';

/** Whether `path` has `size` bytes (and, with `probe`, that byte at that offset). */
export async function sameFile(path: string, size: number, probe?: { offset: number; byte: number }): Promise<boolean> {
  const s = await stat(path).catch(() => null);
  if (!s || s.size !== size) return false;
  if (!probe) return true;
  const handle = await open(path, 'r');
  try {
    const one = Buffer.alloc(1);
    await handle.read(one, 0, 1, probe.offset);
    return one[0] === probe.byte;
  } finally {
    await handle.close();
  }
}

/** Random bytes (no block dedups), prepared in memory so the write itself is fast. */
export async function writeBig(path: string, size: number): Promise<void> {
  const data = randomFillSync(Buffer.allocUnsafe(size));
  await writeFile(path, data);
}

/** Files in `root` and its subfolders one level down (the benches' trees are that deep). */
export async function countFiles(root: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) n += (await readdir(join(root, entry.name))).length;
    else n++;
  }
  return n;
}

/** Files and bytes under `root`, at any depth. */
export async function treeSize(root: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (dir: string, top: boolean): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (top && entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, false);
      else if (entry.isFile()) {
        files++;
        bytes += (await stat(path)).size;
      }
    }
  };
  await walk(root, true);
  return { files, bytes };
}

/** Throws unless every file of A's `dir<d>/f<i>.bin` tree is on B with the same bytes. */
export async function sameTrees(a: string, b: string, files: number): Promise<void> {
  for (let i = 0; i < files; i++) {
    const path = join(`dir${i % 100}`, `f${i}.bin`);
    const [x, y] = await Promise.all([readFile(join(a, path)), readFile(join(b, path))]);
    if (!x.equals(y)) throw new Error(`${path} differs between A and B`);
  }
}

export async function hashOf(path: string): Promise<string> {
  return (await hashFile(path)).contentHash;
}
