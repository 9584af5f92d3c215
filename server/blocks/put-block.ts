// PUT /v1/blocks/<hash>: stream the body to a temp file while hashing it, refuse it on a
// mismatch, fsync, rename into place, then record the block. Writes overlap the network:
// up to 1 MiB is gathered while the previous write is on the disk.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BLOCK_SIZE } from '../../shared/common/blocks.js';
import { SyncError } from '../../shared/common/errors.js';
import { chunksOf, declaredLength } from '../http/body.js';
import type { BlockFiles, TempFile } from './block-files.js';

const WRITE_CHUNK = 1024 * 1024;

export interface ReceivedBlock {
  size: number;
  /** False when the bytes were only hashed because the store already holds them. */
  written: boolean;
}

/**
 * Receives one block body for `hash`. When `alreadyStored`, the bytes are hashed but not
 * written (the caller still proves it has them). Throws 'too_large' past 4 MiB,
 * 'hash_mismatch' when the bytes differ, and whatever the socket or disk throws;
 * on any throw nothing is left behind.
 */
export async function receiveBlock(req: IncomingMessage, files: BlockFiles, hash: string, alreadyStored: boolean): Promise<ReceivedBlock> {
  const what = `upload block ${hash}`;
  declaredLength(req, BLOCK_SIZE, what);
  const hasher = createHash('sha256');
  const temp: TempFile | null = alreadyStored ? null : await files.createTemp();
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const chunk of chunksOf(req)) {
      size += chunk.length;
      if (size > BLOCK_SIZE) throw new SyncError('too_large', `${what}: body is over ${BLOCK_SIZE} bytes`);
      hasher.update(chunk);
      if (!temp) continue;
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= WRITE_CHUNK) {
        await writing;
        writing = temp.write(pending);
        // Awaited at the next step or after the loop; a write that fails (a full disk)
        // while the next bytes are still on the network must not count as unhandled
        // meanwhile: that would end the whole server.
        writing.catch(() => undefined);
        pending = [];
        pendingBytes = 0;
      }
    }
    if (!req.complete) throw new SyncError('bad_request', `${what}: request ended early`);
    const actual = hasher.digest('hex');
    if (actual !== hash) throw new SyncError('hash_mismatch', `${what}: the bytes hash to ${actual}`);
    if (temp) {
      await writing;
      await temp.write(pending);
      await files.commitLoose(temp, hash);
    }
    return { size, written: temp !== null };
  } catch (error) {
    await writing.catch(() => undefined);
    await temp?.discard();
    throw error;
  }
}
