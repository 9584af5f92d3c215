// The S3 flags: what the server accepts, what it refuses, and with which one-line reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSeparateTiers, s3ConfigFrom } from '../../../server/tiers/s3-config.js';

const env = {};

test('no --s3-bucket means no S3 tier', () => {
  assert.equal(s3ConfigFrom({}, env), null);
});

test('a full set of flags, prefix normalised to end in "/"', () => {
  assert.deepEqual(
    s3ConfigFrom({ 's3-bucket': 'my-bucket', 's3-region': 'eu-west-1', 's3-endpoint': 'http://127.0.0.1:4568', 's3-prefix': 'a/b', 's3-path-style': true }, env),
    { bucket: 'my-bucket', region: 'eu-west-1', endpoint: 'http://127.0.0.1:4568', prefix: 'a/b/', pathStyle: true },
  );
});

test('region falls back to AWS_REGION, then AWS_DEFAULT_REGION', () => {
  assert.equal(s3ConfigFrom({ 's3-bucket': 'bkt' }, { AWS_REGION: 'us-east-2' })?.region, 'us-east-2');
  assert.equal(s3ConfigFrom({ 's3-bucket': 'bkt' }, { AWS_DEFAULT_REGION: 'ap-south-1' })?.region, 'ap-south-1');
});

const refused: [string, Record<string, unknown>, RegExp][] = [
  ['stray flag without a bucket', { 's3-endpoint': 'http://x' }, /--s3-endpoint needs --s3-bucket/],
  ['bad bucket', { 's3-bucket': 'Bad_Bucket', 's3-region': 'us-east-1' }, /not a valid bucket name/],
  ['no region', { 's3-bucket': 'bkt' }, /missing --s3-region/],
  ['bad endpoint', { 's3-bucket': 'bkt', 's3-region': 'us-east-1', 's3-endpoint': 'nope' }, /not a URL/],
  ['ftp endpoint', { 's3-bucket': 'bkt', 's3-region': 'us-east-1', 's3-endpoint': 'ftp://h' }, /http or https/],
  ['absolute prefix', { 's3-bucket': 'bkt', 's3-region': 'us-east-1', 's3-prefix': '/x' }, /must not start/],
  ['dot-dot prefix', { 's3-bucket': 'bkt', 's3-region': 'us-east-1', 's3-prefix': 'a/../b' }, /must not start/],
];
for (const [name, values, message] of refused) {
  test(`refused: ${name}`, () => {
    assert.throws(() => s3ConfigFrom(values, env), (e: Error) => e.name === 'UsageError' && message.test(e.message));
  });
}

test('the in-house cluster reads its own --inhouse-s3-* flags, with a named profile', () => {
  const values = {
    's3-bucket': 'public',
    's3-region': 'us-east-1',
    'inhouse-s3-bucket': 'home',
    'inhouse-s3-region': 'default',
    'inhouse-s3-endpoint': 'http://127.0.0.1:7480',
    'inhouse-s3-path-style': true,
    'inhouse-s3-profile': 'ceph',
  };
  assert.deepEqual(s3ConfigFrom(values, env, 'inhouse-s3'), {
    bucket: 'home',
    region: 'default',
    endpoint: 'http://127.0.0.1:7480',
    prefix: '',
    pathStyle: true,
    profile: 'ceph',
  });
  assert.equal(s3ConfigFrom(values, env)?.bucket, 'public', 'the public tier keeps its own flags');
  assert.equal(s3ConfigFrom({ 's3-bucket': 'public', 's3-region': 'us-east-1' }, env, 'inhouse-s3'), null);
  assert.throws(() => s3ConfigFrom({ 'inhouse-s3-region': 'x' }, env, 'inhouse-s3'), /--inhouse-s3-region needs --inhouse-s3-bucket/);
  assert.throws(() => s3ConfigFrom({ 'inhouse-s3-bucket': 'home', 'inhouse-s3-region': 'x', 'inhouse-s3-profile': 'a b' }, env, 'inhouse-s3'), /not a profile name/);
});

test("an in-house cluster that is the S3 tier's own bucket and prefix is refused (the sweep would delete in-house blocks)", () => {
  const s3 = s3ConfigFrom({ 's3-bucket': 'same', 's3-region': 'us-east-1', 's3-endpoint': 'http://h:1' }, env);
  const inhouse = s3ConfigFrom({ 'inhouse-s3-bucket': 'same', 'inhouse-s3-region': 'us-east-1', 'inhouse-s3-endpoint': 'http://h:1' }, env, 'inhouse-s3');
  assert.throws(() => checkSeparateTiers(inhouse, s3), (e: Error) => e.name === 'UsageError' && /own bucket and prefix/.test(e.message));
  const other = s3ConfigFrom({ 'inhouse-s3-bucket': 'same', 'inhouse-s3-region': 'us-east-1', 'inhouse-s3-endpoint': 'http://h:1', 'inhouse-s3-prefix': 'home' }, env, 'inhouse-s3');
  assert.doesNotThrow(() => checkSeparateTiers(other, s3));
});
