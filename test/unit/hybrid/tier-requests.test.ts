// Bodies of POST /v1/blocks/urls and /v1/blocks/confirm: what is accepted, what is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_URL_HASHES, parseConfirmRequest, parseUrlsRequest } from '../../../server/tiers/tier-service.js';

const h = (c: string) => c.repeat(64);

test('urls: op, hashes (deduplicated) and optional tier', () => {
  assert.deepEqual(parseUrlsRequest({ op: 'get', hashes: [h('a'), h('a'), h('b')] }), { op: 'get', hashes: [h('a'), h('b')], tier: undefined });
  assert.deepEqual(parseUrlsRequest({ op: 'put', hashes: [], tier: 's3' }), { op: 'put', hashes: [], tier: 's3' });
});

const badUrls: [string, Record<string, unknown>, RegExp][] = [
  ['no op', { hashes: [] }, /"op" must be/],
  ['bad op', { op: 'delete', hashes: [] }, /"op" must be/],
  ['hashes not an array', { op: 'get', hashes: 'x' }, /must be an array/],
  ['uppercase hash', { op: 'get', hashes: [h('A')] }, /hashes\[0\] is not/],
  ['bad tier', { op: 'get', hashes: [], tier: 'glacier' }, /"tier" must be/],
  ['too many', { op: 'get', hashes: Array.from({ length: MAX_URL_HASHES + 1 }, () => h('c')) }, /at most 1000/],
];
for (const [name, body, message] of badUrls) {
  test(`urls refused: ${name}`, () => assert.throws(() => parseUrlsRequest(body), message));
}

test('confirm: tier and blocks with sizes from 1 to 4 MiB', () => {
  assert.deepEqual(parseConfirmRequest({ tier: 's3', blocks: [{ hash: h('d'), size: 4 * 1024 * 1024 }] }), {
    tier: 's3',
    blocks: [{ hash: h('d'), size: 4 * 1024 * 1024 }],
  });
});

const badConfirm: [string, Record<string, unknown>, RegExp][] = [
  ['no tier', { blocks: [] }, /"tier" is required/],
  ['blocks not an array', { tier: 's3', blocks: {} }, /"blocks" must be an array/],
  ['bad hash', { tier: 's3', blocks: [{ hash: 'x', size: 1 }] }, /blocks\[0\]\.hash/],
  ['zero size', { tier: 's3', blocks: [{ hash: h('e'), size: 0 }] }, /blocks\[0\]\.size/],
  ['over 4 MiB', { tier: 's3', blocks: [{ hash: h('e'), size: 4 * 1024 * 1024 + 1 }] }, /blocks\[0\]\.size/],
  ['null entry', { tier: 'inhouse', blocks: [null] }, /blocks\[0\]\.hash/],
];
for (const [name, body, message] of badConfirm) {
  test(`confirm refused: ${name}`, () => assert.throws(() => parseConfirmRequest(body), (e: Error & { code?: string }) => message.test(e.message) && e.code !== undefined));
}
