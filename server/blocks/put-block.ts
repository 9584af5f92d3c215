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

/**
 * Receives one block body for `hash` and makes it the loose block `hash`; resolves with
 * its size. The bytes are written, fsynced and renamed into place even when the store
 * holds the block already: they hash to its name, so they are the same bytes a good copy
 * holds, a bad or missing copy is healed, and the answer takes as long as for a block
 * nobody stored — its timing does not tell the uploader that someone else has it
 * (docs/protocol.md, "PUT /v1/blocks/<hash>"). Throws 'too_large' past 4 MiB,
 * 'hash_mismatch' when the bytes differ, and whatever the socket or disk throws; on any
 * throw nothing is left behind and nothing stored changes.
 */
export async function receiveBlock(req: IncomingMessage, files: BlockFiles, hash: string): Promise<number> {
  const what = `upload block ${hash}`;
  declaredLength(req, BLOCK_SIZE, what);
  const hasher = createHash('sha256');
  const temp: TempFile = await files.createTemp();
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const chunk of chunksOf(req)) {
      size += chunk.length;
      if (size > BLOCK_SIZE) throw new SyncError('too_large', `${what}: body is over ${BLOCK_SIZE} bytes`);
      hasher.update(chunk);
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
    await writing;
    await temp.write(pending);
    await files.commitLoose(temp, hash);
    return size;
  } catch (error) {
    await writing.catch(() => undefined);
    await temp.discard();
    throw error;
  }
}
