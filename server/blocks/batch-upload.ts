// POST /v1/blocks/batch: many small blocks in one body, each record
// [32-byte raw SHA-256][uint32 BE length][bytes]. Records are checked in order; the valid
// ones before a bad record are stored, then the bad one is named in the error. A body that
// does not arrive whole stores nothing.

import { createHash } from 'node:crypto';
import { BLOCK_SIZE } from '../../shared/common/blocks.js';
import { SyncError } from '../../shared/common/errors.js';

export const HEADER_BYTES = 36;

export interface BatchRecord {
  hash: string;
  bytes: Buffer;
}

export interface ParsedBatch {
  records: BatchRecord[];
  /** The first bad record, if any; `records` holds only the ones before it. */
  error: SyncError | null;
}

/** Splits and verifies a batch body. Never throws: a bad record ends the list. */
export function parseBatch(body: Buffer): ParsedBatch {
  const records: BatchRecord[] = [];
  let offset = 0;
  while (offset < body.length) {
    const index = records.length;
    if (body.length - offset < HEADER_BYTES) {
      return { records, error: new SyncError('bad_request', `upload batch record ${index} at byte ${offset}: header cut short`) };
    }
    const hash = body.toString('hex', offset, offset + 32);
    const length = body.readUInt32BE(offset + 32);
    const what = `upload batch record ${index} (block ${hash})`;
    if (length > BLOCK_SIZE) return { records, error: new SyncError('too_large', `${what}: ${length} bytes is over ${BLOCK_SIZE}`) };
    const start = offset + HEADER_BYTES;
    if (start + length > body.length) {
      return { records, error: new SyncError('bad_request', `${what}: declares ${length} bytes, ${body.length - start} remain`) };
    }
    const bytes = body.subarray(start, start + length);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== hash) return { records, error: new SyncError('hash_mismatch', `${what}: the bytes hash to ${actual}`) };
    records.push({ hash, bytes });
    offset = start + length;
  }
  return { records, error: null };
}
