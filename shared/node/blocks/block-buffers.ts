// Block-sized buffers shared by the phases that move a big file: hashing it, uploading its
// blocks, downloading them. Each phase used to allocate its own (3 for hashing, 4 per upload,
// 4 per download), and the collector frees a phase's buffers only some time after it ends, so
// the next phase's buffers came on top: a client sending 1 GiB peaked 28 MB higher than the
// 4 buffers it ever uses at once. A buffer given back is handed to the next phase instead.

import { BLOCK_SIZE } from '../../common/blocks.js';

/** As many as one phase uses at once (4 blocks in flight); more are left to the collector. */
const KEEP = 4;
const spare: ArrayBuffer[] = [];

/** A BLOCK_SIZE buffer: a spare one when there is one. Its bytes are whatever it held last. */
export function takeBlockBuffer(): ArrayBuffer {
  return spare.pop() ?? new ArrayBuffer(BLOCK_SIZE);
}

/** Gives `buffer` back once nothing reads or writes it any more (a transferred one is skipped). */
export function giveBlockBuffer(buffer: ArrayBufferLike): void {
  if (buffer instanceof ArrayBuffer && buffer.byteLength === BLOCK_SIZE && spare.length < KEEP && !spare.includes(buffer)) spare.push(buffer);
}

/** How many spare buffers are kept now (for tests). */
export function spareBlockBuffers(): number {
  return spare.length;
}
