import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseBatch } from '../../../server/blocks/batch-upload.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
function record(bytes: Buffer, hash = sha(bytes), length = bytes.length): Buffer {
  const header = Buffer.alloc(36);
  header.write(hash, 0, 32, 'hex');
  header.writeUInt32BE(length, 32);
  return Buffer.concat([header, bytes]);
}

describe('parseBatch', () => {
  const a = randomBytes(100);
  const b = randomBytes(0);
  const c = randomBytes(4096);

  it('splits well-formed records in order, empty blocks included', () => {
    const { records, error } = parseBatch(Buffer.concat([record(a), record(b), record(c)]));
    assert.equal(error, null);
    assert.deepEqual(records.map((r) => r.hash), [sha(a), sha(b), sha(c)]);
    assert.ok(records[2].bytes.equals(c));
  });

  it('accepts an empty body as no records', () => {
    assert.deepEqual(parseBatch(Buffer.alloc(0)), { records: [], error: null });
  });

  const cases: [string, Buffer, string, RegExp][] = [
    ['a hash mismatch', Buffer.concat([record(a), record(c, sha(a))]), 'hash_mismatch', /record 1 \(block [0-9a-f]{64}\): the bytes hash to/],
    ['a header cut short', Buffer.concat([record(a), record(c).subarray(0, 20)]), 'bad_request', /record 1 at byte 136: header cut short/],
    ['bytes cut short', Buffer.concat([record(a), record(c).subarray(0, 1000)]), 'bad_request', /record 1 .*declares 4096 bytes, 964 remain/],
    ['a length over 4 MiB', Buffer.concat([record(a), record(Buffer.alloc(0), sha(a), 4 * 1024 * 1024 + 1)]), 'too_large', /record 1 .*4194305 bytes is over 4194304/],
  ];
  for (const [name, body, code, message] of cases) {
    it(`stops at ${name}, keeping the records before it`, () => {
      const { records, error } = parseBatch(body);
      assert.deepEqual(records.map((r) => r.hash), [sha(a)]);
      assert.equal(error?.code, code);
      assert.match(error!.message, message);
    });
  }
});
