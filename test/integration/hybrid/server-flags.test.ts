// `hsync server` role and tier flags: bad combinations exit 2 with a one-line reason
// naming the flag, and the one-shot commands refuse a data dir no server ever used.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

// Each case is its own `hsync` process (about 2 s of start-up here), so they run side by side.
import { runHsync } from '../../helpers/server-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const data = tempDir('hsync-flags-');
const cases: [string, string[], number, RegExp][] = [
  ['meta without a block service', ['server', '--data', data, '--role', 'meta', '--secret-file', join(data, 'k')], 2, /--role meta needs --block-service/],
  ['unknown role', ['server', '--data', data, '--role', 'cache'], 2, /--role must be all, meta or blocks/],
  ['S3 flag without a bucket', ['server', '--data', data, '--s3-endpoint', 'http://127.0.0.1:1'], 2, /--s3-endpoint needs --s3-bucket/],
  ['blocks role with S3 credentials', ['server', '--data', data, '--role', 'blocks', '--secret-file', join(data, 'k'), '--s3-bucket', 'bkt', '--s3-region', 'us-east-1'], 2, /holds no S3 credentials/],
  ['repatriate without --once', ['server', 'repatriate', '--data', data, '--s3-bucket', 'bkt', '--s3-region', 'us-east-1'], 2, /needs --once/],
  ['stats on a data dir no server used', ['server', 'stats', '--data', join(data, 'nothing-here')], 1, /no server\.db there/],
  ['bad placement', ['server', 'namespace', 'set-placement', 'alice', 'glacier', '--data', data], 2, /placement must be inhouse or s3/],
  ['negative price', ['server', 'stats', '--data', data, '--price-s3=-1'], 2, /--price-s3 must be a non-negative number/],
  ['in-house cluster flag without a bucket', ['server', '--data', data, '--inhouse-s3-endpoint', 'http://127.0.0.1:1'], 2, /--inhouse-s3-endpoint needs --inhouse-s3-bucket/],
  [
    'in-house cluster beside a block service',
    ['server', '--data', data, '--role', 'meta', '--block-service', 'http://127.0.0.1:1', '--secret-file', join(data, 'k'), '--inhouse-s3-bucket', 'home', '--inhouse-s3-region', 'us-east-1'],
    2,
    /either --block-service or --inhouse-s3-bucket/,
  ],
  [
    "in-house cluster in the S3 tier's own bucket",
    ['server', '--data', data, '--s3-bucket', 'same', '--s3-region', 'us-east-1', '--inhouse-s3-bucket', 'same', '--inhouse-s3-region', 'us-east-1'],
    2,
    /own bucket and prefix/,
  ],
];

describe('hsync server refuses', { concurrency: 4 }, () => {
  for (const [name, args, code, message] of cases) {
    test(name, async () => {
      const result = await runHsync(args);
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    });
  }
});

test('hsync server --help documents the in-house cluster flags', async () => {
  const result = await runHsync(['server', '--help']);
  assert.equal(result.code, 0);
  for (const flag of ['endpoint', 'bucket', 'region', 'prefix', 'path-style', 'profile']) assert.match(result.stdout, new RegExp(`--inhouse-s3-${flag}`));
});

test('stats --help documents the default prices and their source', async () => {
  const result = await runHsync(['server', 'stats', '--help']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /default 0\.023: Amazon S3 Standard, first 50 TB, us-east-1/);
  assert.match(result.stdout, /default 0\.006: assumed cost/);
});
