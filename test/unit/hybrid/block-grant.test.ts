// Signed block URLs: a grant works for exactly the method, block and time it was made for.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BlockHash } from '../../../shared/common/blocks.js';
import { MAX_GRANT_SEC, checkGrant, grantQuery, grantUrl, keyId, type BlockGrant } from '../../../server/signing/block-grant.js';
import { loadOrCreateKeys, loadOrCreateSecret } from '../../../server/signing/secret-file.js';
import { tempDir } from '../../helpers/temp-dir.js';

const key = randomBytes(32);
const hash = createHash('sha256').update('block one').digest('hex') as BlockHash;
const other = createHash('sha256').update('block two').digest('hex') as BlockHash;
const now = 1_800_000_000;
const grant: BlockGrant = { method: 'GET', hash, expiresAt: now + 60, namespace: 'ns1' };
const q = (s: string) => new URLSearchParams(s);

test('a fresh grant is accepted for its method and block, HEAD rides on GET', () => {
  const query = q(grantQuery(key, grant));
  assert.deepEqual(checkGrant(key, 'GET', hash, query, now), { ok: true, grant });
  assert.equal(checkGrant(key, 'HEAD', hash, query, now).ok, true);
  assert.equal(checkGrant(key, 'GET', hash, query, now + 60).ok, true, 'valid through its last second');
});

const refusals: [string, () => ReturnType<typeof checkGrant>, string][] = [
  ['expired', () => checkGrant(key, 'GET', hash, q(grantQuery(key, grant)), now + 61), 'grant expired'],
  ['for another block', () => checkGrant(key, 'GET', other, q(grantQuery(key, grant)), now), 'bad signature'],
  ['for another method', () => checkGrant(key, 'PUT', hash, q(grantQuery(key, grant)), now), 'bad signature'],
  ['signed with another key', () => checkGrant(key, 'GET', hash, q(grantQuery(randomBytes(32), grant)), now), 'unknown signing key'],
  ['signed with another key under this key\'s name', () => checkGrant(key, 'GET', hash, q(grantQuery(randomBytes(32), grant).replace(/kid=[0-9a-f]+/, `kid=${keyId(key)}`)), now), 'bad signature'],
  ['expiry pushed later', () => {
    const query = q(grantQuery(key, grant));
    query.set('exp', String(now + 3000));
    return checkGrant(key, 'GET', hash, query, now);
  }, 'bad signature'],
  ['namespace swapped', () => {
    const query = q(grantQuery(key, grant));
    query.set('ns', 'ns2');
    return checkGrant(key, 'GET', hash, query, now);
  }, 'bad signature'],
  ['namespace dropped', () => {
    const query = q(grantQuery(key, grant));
    query.delete('ns');
    return checkGrant(key, 'GET', hash, query, now);
  }, 'bad signature'],
  ['one signature bit flipped', () => {
    const query = q(grantQuery(key, grant));
    const sig = query.get('sig')!;
    query.set('sig', (sig[0] === '0' ? '1' : '0') + sig.slice(1));
    return checkGrant(key, 'GET', hash, query, now);
  }, 'bad signature'],
  ['unsigned', () => checkGrant(key, 'GET', hash, q(''), now), 'unsigned request'],
  ['too long-lived', () => checkGrant(key, 'GET', hash, q(grantQuery(key, { ...grant, expiresAt: now + MAX_GRANT_SEC + 1 })), now), 'grant lasts too long'],
  ['malformed hash', () => checkGrant(key, 'GET', 'abc', q(grantQuery(key, grant)), now), 'malformed block hash'],
  ['malformed signature', () => checkGrant(key, 'GET', hash, q(`exp=${now + 5}&sig=zz`), now), 'malformed signature'],
];
for (const [name, check, reason] of refusals) {
  test(`refused: ${name}`, () => assert.deepEqual(check(), { ok: false, reason }));
}

test('grantUrl points at the block route of the given service', () => {
  const url = new URL(grantUrl('http://127.0.0.1:8788', key, grant));
  assert.equal(url.pathname, `/v1/blocks/${hash}`);
  assert.equal(checkGrant(key, 'GET', hash, url.searchParams, now).ok, true);
});

test('secret file: created 0600 once, then read back unchanged; no temp files left', () => {
  const dir = tempDir('hsync-secret-');
  const path = join(dir, 'block.key');
  const first = loadOrCreateSecret(path);
  assert.equal(first.length, 32);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(loadOrCreateSecret(path), first);
  assert.deepEqual(readdirSync(dir), ['block.key']);
});

test('secret file: many racing creators all end with the same key', async () => {
  const dir = tempDir('hsync-secret-');
  const path = join(dir, 'block.key');
  const { spawn } = await import('node:child_process');
  const script = `import { loadOrCreateSecret } from ${JSON.stringify(new URL('../../../server/signing/secret-file.ts', import.meta.url).pathname)};
process.stdout.write(loadOrCreateSecret(${JSON.stringify(path)}).toString('hex'));`;
  const outputs = await Promise.all(
    Array.from({ length: 6 }, () => new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
    })),
  );
  assert.equal(new Set(outputs).size, 1);
  assert.equal(outputs[0].length, 64);
  assert.ok(existsSync(path));
  assert.deepEqual(readdirSync(dir), ['block.key']);
});

test('secret file: a world-readable or short key is refused with a clear reason', () => {
  const dir = tempDir('hsync-secret-');
  const open = join(dir, 'open.key');
  writeFileSync(open, 'ab'.repeat(32), { mode: 0o644 });
  chmodSync(open, 0o644);
  assert.throws(() => loadOrCreateSecret(open), /lets others read it/);
  const short = join(dir, 'short.key');
  writeFileSync(short, 'abcd', { mode: 0o600 });
  assert.throws(() => loadOrCreateSecret(short), /at least 64 hex digits/);
});

test('secret file: a symbolic link is refused, not followed', () => {
  const dir = tempDir('hsync-secret-');
  const real = join(dir, 'real.key');
  writeFileSync(real, 'ab'.repeat(32), { mode: 0o600 });
  const link = join(dir, 'link.key');
  symlinkSync(real, link);
  assert.throws(() => loadOrCreateSecret(link), /is a symbolic link/);
});

test('key rotation: the first key signs and names itself; grants signed with an older listed key still pass; a removed key fails', () => {
  const dir = tempDir('hsync-secret-');
  const path = join(dir, 'block.key');
  const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
  writeFileSync(path, `${oldKey.toString('hex')}\n`, { mode: 0o600 });
  const signedBefore = new URLSearchParams(grantQuery(loadOrCreateSecret(path), grant));
  assert.equal(signedBefore.get('kid'), keyId(oldKey));
  // Rotation: the new key goes on the first line; the old one stays a while.
  writeFileSync(path, `${newKey.toString('hex')}\n${oldKey.toString('hex')}\n`, { mode: 0o600 });
  const keys = loadOrCreateKeys(path);
  assert.deepEqual(keys[0], newKey);
  assert.equal(new URLSearchParams(grantQuery(loadOrCreateSecret(path), grant)).get('kid'), keyId(newKey));
  assert.equal(checkGrant(keys, 'GET', hash, signedBefore, now).ok, true, 'an old URL still works during rotation');
  assert.deepEqual(checkGrant([newKey], 'GET', hash, signedBefore, now), { ok: false, reason: 'unknown signing key' });
});
