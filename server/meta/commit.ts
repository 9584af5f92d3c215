// Applies a batch of changes to a namespace, one transaction for the whole batch, each
// change answered on its own: committed, need_blocks, conflict or rejected. Changes see
// the ones before them in the same batch.

import { randomUUID } from 'node:crypto';
import { BLOCK_SIZE, isBlockHash, type BlockHash } from '../../shared/common/blocks.js';
import { SyncError } from '../../shared/common/errors.js';
import { pathProblem } from '../../shared/common/paths.js';
import type { CommitResult, JournalEntry } from '../../shared/common/protocol.js';
import { contentHashOf } from '../../shared/node/blocks/content-hash.js';
import type { MetaStore, MetaTx } from '../store/meta-store.js';

const reject = (message: string, code: 'bad_request' | 'invalid_path' = 'bad_request'): CommitResult => ({
  status: 'rejected',
  error: { code, message },
});

/** A path as stored (NFC), or the reason it is refused. */
function checkPath(raw: unknown, what: string): { path: string } | { result: CommitResult } {
  const problem = pathProblem(raw);
  if (problem) return { result: reject(`${what} ${JSON.stringify(raw)}: ${problem}`, 'invalid_path') };
  return { path: (raw as string).normalize('NFC') };
}

const isRev = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * True when a client that based its change on `parentRev` saw the path's current state:
 * the live entry's rev, or for a deleted/absent path null (or the deletion's own rev).
 */
function parentMatches(latest: JournalEntry | null, parentRev: unknown): boolean {
  if (latest === null) return parentRev === null;
  if (latest.deleted) return parentRev === null || parentRev === latest.rev;
  return parentRev === latest.rev;
}

/** The path's live entry: null when it never existed or its last entry is a deletion. */
async function liveIn(tx: MetaTx, namespaceId: number, path: string): Promise<JournalEntry | null> {
  const latest = await tx.latest(namespaceId, path);
  return latest && !latest.deleted ? latest : null;
}

export class Committer {
  constructor(private readonly store: MetaStore) {}

  /** Runs the batch; returns the per-change results and the namespace's head after it. */
  commit(namespaceId: number, device: string, changes: readonly unknown[]): Promise<{ results: CommitResult[]; cursor: number }> {
    return this.store.transaction(
      async (tx) => {
        await tx.lockNamespace(namespaceId);
        const results: CommitResult[] = [];
        for (let i = 0; i < changes.length; i++) results.push(await this.apply(tx, namespaceId, device, changes[i], i));
        return { results, cursor: await tx.head(namespaceId) };
      },
      { durable: true },
    );
  }

  private apply(tx: MetaTx, namespaceId: number, device: string, raw: unknown, i: number): Promise<CommitResult> {
    if (typeof raw !== 'object' || raw === null) return Promise.resolve(reject(`commit change ${i}: not an object`));
    const change = raw as Record<string, unknown>;
    if (change.kind === 'put') return this.put(tx, namespaceId, device, change, i);
    if (change.kind === 'delete') return this.remove(tx, namespaceId, device, change, i);
    if (change.kind === 'move') return this.move(tx, namespaceId, device, change, i);
    return Promise.resolve(reject(`commit change ${i}: kind must be "put", "delete" or "move"`));
  }

  private async put(tx: MetaTx, namespaceId: number, device: string, c: Record<string, unknown>, i: number): Promise<CommitResult> {
    const checked = checkPath(c.path, `commit change ${i}: path`);
    if ('result' in checked) return checked.result;
    const { path } = checked;
    const what = `commit "${path}"`;
    if (c.parentRev !== null && !isRev(c.parentRev)) return reject(`${what}: parentRev must be null or a positive integer`);
    if (!isSize(c.size)) return reject(`${what}: size must be a non-negative integer`);
    if (typeof c.mtime !== 'number' || !Number.isFinite(c.mtime)) return reject(`${what}: mtime must be a number`);
    if (!Array.isArray(c.blocks) || !c.blocks.every(isBlockHash)) return reject(`${what}: blocks must be an array of lowercase hex SHA-256`);
    const blocks = c.blocks as BlockHash[];
    // Before any lookup: a file of `size` bytes has ceil(size / 4 MiB) blocks, so a short
    // entry cannot make the server check, answer or hold a huge block list.
    const most = Math.ceil(c.size / BLOCK_SIZE);
    if (blocks.length > most) return reject(`${what}: ${blocks.length} blocks for ${c.size} bytes; a file of that size has ${most}`);

    const latest = await tx.latest(namespaceId, path);
    if (!parentMatches(latest, c.parentRev)) return { status: 'conflict', current: latest?.deleted ? null : latest };
    const missing = await tx.missing(namespaceId, blocks);
    if (missing.length > 0) return { status: 'need_blocks', missing: missing as BlockHash[] };
    const problem = layoutProblem(blocks, await tx.blockSizes(blocks), c.size);
    if (problem) return reject(`${what}: ${problem}`);

    const live = latest && !latest.deleted ? latest : null;
    const entry = await tx.append(namespaceId, {
      path,
      fileId: live?.fileId ?? randomUUID(),
      deleted: false,
      size: c.size,
      mtime: Math.trunc(c.mtime),
      contentHash: contentHashOf(blocks),
      blocks,
      device,
    });
    return { status: 'committed', entry };
  }

  private async remove(tx: MetaTx, namespaceId: number, device: string, c: Record<string, unknown>, i: number): Promise<CommitResult> {
    const checked = checkPath(c.path, `commit change ${i}: path`);
    if ('result' in checked) return checked.result;
    const { path } = checked;
    if (!isRev(c.parentRev)) return reject(`delete "${path}": parentRev must be a positive integer`);
    const live = await liveIn(tx, namespaceId, path);
    if (!live || live.rev !== c.parentRev) return { status: 'conflict', current: live };
    return { status: 'committed', entry: await tx.append(namespaceId, deletionOf(live, device)) };
  }

  private async move(tx: MetaTx, namespaceId: number, device: string, c: Record<string, unknown>, i: number): Promise<CommitResult> {
    const from = checkPath(c.from, `commit change ${i}: from`);
    if ('result' in from) return from.result;
    const to = checkPath(c.path, `commit change ${i}: path`);
    if ('result' in to) return to.result;
    const what = `move "${from.path}" to "${to.path}"`;
    if (from.path === to.path) return reject(`${what}: source and destination are the same`);
    if (!isRev(c.fromRev)) return reject(`${what}: fromRev must be a positive integer`);
    if (c.parentRev !== null && !isRev(c.parentRev)) return reject(`${what}: parentRev must be null or a positive integer`);
    const source = await liveIn(tx, namespaceId, from.path);
    if (!source || source.rev !== c.fromRev) return { status: 'conflict', current: source };
    const target = await tx.latest(namespaceId, to.path);
    if (!parentMatches(target, c.parentRev)) return { status: 'conflict', current: target?.deleted ? null : target };
    // Metadata only: the same blocks under a new path, keeping the file's identity.
    await tx.append(namespaceId, deletionOf(source, device));
    const entry = await tx.append(namespaceId, {
      path: to.path,
      fileId: source.fileId,
      deleted: false,
      size: source.size,
      mtime: source.mtime,
      contentHash: source.contentHash,
      blocks: source.blocks,
      device,
    });
    return { status: 'committed', entry };
  }

  /** Makes revision `rev` of `path` live again as a new entry. Throws 'not_found' / 'bad_request'. */
  async restore(namespaceId: number, device: string, rawPath: unknown, rev: unknown): Promise<JournalEntry> {
    const problem = pathProblem(rawPath);
    if (problem) throw new SyncError('invalid_path', `restore ${JSON.stringify(rawPath)}: ${problem}`);
    const path = (rawPath as string).normalize('NFC');
    if (!isRev(rev)) throw new SyncError('bad_request', `restore "${path}": rev must be a positive integer`);
    return this.store.transaction(
      async (tx) => {
        await tx.lockNamespace(namespaceId);
        const old = await tx.entry(namespaceId, rev);
        if (!old || old.path !== path) throw new SyncError('not_found', `restore "${path}": no revision ${rev} of this path`);
        if (old.deleted) throw new SyncError('bad_request', `restore "${path}": revision ${rev} is a deletion`);
        const { fileId, size, mtime, contentHash, blocks } = old;
        return tx.append(namespaceId, { path, fileId, deleted: false, size, mtime, contentHash, blocks, device });
      },
      { durable: true },
    );
  }
}

function deletionOf(live: JournalEntry, device: string) {
  return { path: live.path, fileId: live.fileId, deleted: true, size: 0, mtime: live.mtime, contentHash: null, blocks: [], device };
}

/** Why `blocks` cannot be a file of `size` bytes: every block but the last is 4 MiB. */
export function layoutProblem(blocks: readonly string[], sizes: ReadonlyMap<string, number>, size: number): string | null {
  let total = 0;
  for (let i = 0; i < blocks.length; i++) {
    const blockSize = sizes.get(blocks[i]);
    if (blockSize === undefined) return `block ${i} (${blocks[i]}) is not stored`;
    if (i < blocks.length - 1 && blockSize !== BLOCK_SIZE) return `block ${i} is ${blockSize} bytes; every block but the last must be ${BLOCK_SIZE}`;
    if (blockSize === 0) return `block ${i} is empty; an empty file has no blocks`;
    total += blockSize;
  }
  if (total !== size) return `size ${size} does not match its blocks (${total} bytes)`;
  return null;
}
