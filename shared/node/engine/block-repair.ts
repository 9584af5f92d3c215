// Healing from devices (docs/hybrid-storage.md, "Healing from devices"): the server names
// the blocks of this namespace it has no good copy of any more (GET /v1/blocks/wanted), and
// this device uploads those it holds in a local file that is unchanged since it last
// synced, each read back and hash-checked first. The upload itself heals the server's copy;
// a block no such file holds here is left to another device.

import { BLOCK_SIZE, isBlockHash, type BlockHash } from '../../common/blocks.js';
import { hasCode } from '../../common/errors.js';
import type { FileSystem } from '../fs/file-system.js';
import type { RemoteStore } from '../remote/remote-store.js';
import type { BlockLocation } from './index-store.js';
import { readLocalBlock, type BlockCandidate } from './local-block.js';
import type { BaseTree, LocalTree } from './types.js';

export interface RepairSources {
  fs: FileSystem;
  root: string;
  remote: Pick<RemoteStore, 'wantedBlocks' | 'putBlock'>;
  base: BaseTree;
  /** The disk as last scanned: a file counts as unchanged when it hashes (or stats) as its base. */
  local: LocalTree;
  locate(hash: BlockHash): BlockLocation[];
}

export interface RepairResult {
  /** Blocks the server asked for. */
  wanted: number;
  /** Of those, the ones this device uploaded again. */
  uploaded: number;
}

/** Asks the server what it wants and uploads what unchanged local files hold; throws what the remote throws. */
export async function reuploadWanted(sources: RepairSources): Promise<RepairResult> {
  const { remote } = sources;
  if (!remote.wantedBlocks) return { wanted: 0, uploaded: 0 };
  let wanted: BlockHash[];
  try {
    wanted = await remote.wantedBlocks();
  } catch (error) {
    if (hasCode(error, 'not_found')) return { wanted: 0, uploaded: 0 }; // a server from before the route
    throw error;
  }
  let uploaded = 0;
  for (const hash of wanted) {
    if (!isBlockHash(hash)) continue;
    const bytes = await readLocalBlock(sources.fs, sources.root, hash, candidates(sources, hash));
    if (!bytes) continue;
    await remote.putBlock(hash, bytes);
    uploaded++;
  }
  return { wanted: wanted.length, uploaded };
}

/** Where unchanged local files hold `hash`, by the index. */
function candidates(sources: RepairSources, hash: BlockHash): BlockCandidate[] {
  const out: BlockCandidate[] = [];
  for (const { path, index } of sources.locate(hash)) {
    const base = sources.base.get(path);
    if (!base || sources.local.get(path)?.contentHash !== base.contentHash) continue;
    const offset = index * BLOCK_SIZE;
    const size = Math.min(BLOCK_SIZE, base.size - offset);
    if (size > 0) out.push({ path, offset, size });
  }
  return out;
}
