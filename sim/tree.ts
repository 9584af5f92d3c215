// What a folder holds, as the invariants compare it: NFC path -> content hash, files only
// (folders are implicit in the journal), the reserved folder left out.

import { join } from 'node:path';
import { BLOCK_SIZE } from '../shared/common/blocks.js';
import { RESERVED_DIR } from '../shared/common/paths.js';
import { blockHashOf, contentHashOf } from '../shared/node/blocks/content-hash.js';
import type { FileSystem } from '../shared/node/fs/file-system.js';

/** The content hash the engine and server use (over 4 MiB blocks) for `bytes`. */
export function contentHashOfBytes(bytes: Buffer): string {
  const hashes: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += BLOCK_SIZE) hashes.push(blockHashOf(bytes.subarray(offset, offset + BLOCK_SIZE)));
  return contentHashOf(hashes);
}

export interface TreeFile {
  /** The name on disk, relative, '/'-separated (maybe NFD). */
  onDisk: string;
  contentHash: string;
}

/**
 * path (NFC) -> file, for every regular file under `root`; other kinds are listed in `odd`.
 * `hashes` remembers content hashes by inode, size and change time (ctime moves on every
 * write), so unchanged files are not read again.
 */
export function readTree(fs: FileSystem, root: string, hashes = new Map<string, string>()): { files: Map<string, TreeFile>; odd: string[] } {
  const files = new Map<string, TreeFile>();
  const odd: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir)) {
      const path = rel ? `${rel}/${name}` : name;
      if (path === RESERVED_DIR) continue;
      const full = join(dir, name);
      const stat = fs.lstatSync(full);
      if (!stat) continue;
      if (stat.isDirectory()) walk(full, path);
      else if (stat.isFile()) {
        const key = `${full}:${stat.ino}:${stat.size}:${stat.ctimeMs}:${stat.mtimeMs}`;
        let contentHash = hashes.get(key);
        if (contentHash === undefined) {
          contentHash = contentHashOfBytes(fs.readFileSync(full));
          hashes.set(key, contentHash);
        }
        files.set(path.normalize('NFC'), { onDisk: path, contentHash });
      }
      else odd.push(path);
    }
  };
  walk(root, '');
  return { files, odd };
}
