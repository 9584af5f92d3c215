// Who may use the control endpoint: Host, Origin and token rules, table-driven.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiRequestProblem, hostProblem, originProblem, tokenProblem } from '../../../shared/node/api-bridge/request-guard.js';

test('Host must be a loopback name with our port', () => {
  assert.equal(hostProblem('127.0.0.1:4000', 4000), null);
  assert.equal(hostProblem('localhost:4000', 4000), null);
  for (const host of [undefined, '', '127.0.0.1', '127.0.0.1:4001', 'evil.example:4000', '[::1]:4000', '127.0.0.1.evil.example:4000', 'LOCALHOST:4000x']) {
    assert.notEqual(hostProblem(host, 4000), null, String(host));
  }
});

test('Origin, when sent, must be ours; cross-site fetches are refused', () => {
  assert.equal(originProblem({}, 4000), null, 'the CLI sends no Origin');
  assert.equal(originProblem({ origin: 'http://127.0.0.1:4000', 'sec-fetch-site': 'same-origin' }, 4000), null);
  assert.equal(originProblem({ origin: 'http://localhost:4000' }, 4000), null);
  for (const headers of [{ origin: 'http://127.0.0.1:4001' }, { origin: 'https://127.0.0.1:4000' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }]) {
    assert.notEqual(originProblem(headers, 4000), null, JSON.stringify(headers));
  }
});

test('the token must match exactly', () => {
  assert.equal(tokenProblem('Bearer abc', 'abc'), null);
  for (const header of [undefined, '', 'abc', 'Bearer', 'Bearer ab', 'Bearer abcd', 'bearer abc', 'Bearer abc extra']) {
    assert.notEqual(tokenProblem(header, 'abc'), null, String(header));
  }
});

test('checks run Host first, so a rebinding page learns nothing about the token', () => {
  assert.equal(apiRequestProblem({ host: 'evil:1' }, 1, 't')?.code, 'forbidden');
  assert.equal(apiRequestProblem({ host: '127.0.0.1:1' }, 1, 't')?.code, 'unauthorized');
  assert.equal(apiRequestProblem({ host: '127.0.0.1:1', authorization: 'Bearer t' }, 1, 't'), null);
});
