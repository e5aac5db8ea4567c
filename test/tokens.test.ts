import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, maintenanceRouter, startMaintenanceServer } from '../src/index.js';
import { findToken, loadTokenRecords, lowEntropy } from '../src/options/tokens.js';
import { newToken } from './helpers/fixture.js';
import { request } from './helpers/http.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

const good = () => ({ id: 'ops', token: newToken(), scopes: ['read' as const] });

function assertConfigError(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => error instanceof ConfigError && error.code === code);
}

describe('token configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'me-tokens-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no token, no start: both modes refuse with a clear error', async () => {
    assertConfigError(() => maintenanceRouter({ tokensEnv: 'MAINTENANCE_TEST_UNSET_VARIABLE' }), 'NO_TOKENS');
    assertConfigError(() => maintenanceRouter({ tokens: [] }), 'NO_TOKENS');
    await assert.rejects(startMaintenanceServer({ tokensEnv: 'MAINTENANCE_TEST_UNSET_VARIABLE' }), /never starts without authentication/);
  });

  test('trust proxy: `true` is refused, and router mode leaves it to the app', async () => {
    await assert.rejects(startMaintenanceServer({ tokens: [good()], trustProxy: true as never }), { code: 'TRUST_PROXY' });
    assertConfigError(() => maintenanceRouter({ tokens: [good()], trustProxy: 1 }), 'TRUST_PROXY');
  });

  test('router mode refuses to mount in an app that trusts every proxy, unless it is given a key function', async () => {
    const { default: express } = await import('express');
    for (const trust of [true, () => true]) {
      const app = express();
      app.set('trust proxy', trust);
      assertConfigError(() => app.use('/ops', maintenanceRouter({ tokens: [good()], auditLog: '/dev/null' })), 'TRUST_PROXY');
    }
    for (const trust of [1, 'loopback', ['10.0.0.0/8'], false]) {
      const app = express();
      app.set('trust proxy', trust);
      app.use('/ops', maintenanceRouter({ tokens: [good()], auditLog: '/dev/null' }));
    }
    const app = express();
    app.set('trust proxy', true);
    app.use('/ops', maintenanceRouter({ tokens: [good()], auditLog: '/dev/null', rateLimit: { keyGenerator: (req) => String(req.headers['x-client-id']) } }));
    await assert.rejects(startMaintenanceServer({ tokens: [good()], rateLimit: { keyGenerator: () => 'x' } }), { code: 'OPTION_TYPE' });
    // Set after mounting: the endpoint refuses to serve instead.
    const late = express();
    const spec = good();
    late.use('/ops', maintenanceRouter({ tokens: [spec], auditLog: '/dev/null' }));
    late.set('trust proxy', true);
    const listener = late.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const reply = await request(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/ops/`, { token: spec.token });
      assert.equal(reply.status, 500);
      assert.equal(reply.json().error.code, 'MISCONFIGURED');
    } finally {
      listener.close();
    }
  });

  test('a token shorter than 24 characters is refused, and the message does not echo it', () => {
    const short = 'x'.repeat(23);
    assert.throws(
      () => loadTokenRecords({ tokens: [{ id: 'a', token: short, scopes: ['read'] }] }),
      (error: Error) => error instanceof ConfigError && error.code === 'TOKEN_TOO_SHORT' && !error.message.includes(short),
    );
    // One random 24-character token in a few hundred has under 16 distinct characters: pick one that has.
    let token = newToken().slice(0, 24);
    while (lowEntropy(token) !== undefined) token = newToken().slice(0, 24);
    assert.equal(loadTokenRecords({ tokens: [{ id: 'a', token, scopes: ['read'] }] }).length, 1);
  });

  test('a long token that is not random is refused, with how to make one, and never echoed', async () => {
    const weak = ['x'.repeat(24), 'aabbccddeeffgghhiijjkkll', 'password1password1password1', 'Kq7!Zp2mKq7!Zp2mKq7!Zp2m', 'abcdefghijklmnopqrstuvwxyz', `${newToken().slice(0, 20)}12345678`];
    for (const token of weak) {
      assert.throws(
        () => loadTokenRecords({ tokens: [{ id: 'a', token, scopes: ['read'] }] }),
        (error: Error) =>
          error instanceof ConfigError && error.code === 'TOKEN_WEAK' && !error.message.includes(token) && /randomBytes\(32\)/.test(error.message),
        token,
      );
    }
    // Random tokens pass, whatever their alphabet.
    const { randomBytes } = await import('node:crypto');
    for (let i = 0; i < 200; i++) {
      for (const token of [newToken(), randomBytes(32).toString('hex'), randomBytes(32).toString('base64')]) {
        assert.equal(loadTokenRecords({ tokens: [{ id: 'a', token, scopes: ['read'] }] }).length, 1, token);
      }
    }
  });

  test('shapes, scopes, ids and reuse are validated', () => {
    const token = newToken();
    assertConfigError(() => loadTokenRecords({ tokens: [{ id: 'a', token, scopes: [] }] }), 'TOKEN_SCOPES');
    assertConfigError(() => loadTokenRecords({ tokens: [{ id: 'a', token, scopes: ['root' as 'read'] }] }), 'TOKEN_SCOPES');
    assertConfigError(() => loadTokenRecords({ tokens: [{ id: 'a b', token, scopes: ['read'] }] }), 'TOKEN_ID');
    assertConfigError(() => loadTokenRecords({ tokens: [{ id: 'a', token: `${token} x`, scopes: ['read'] }] }), 'TOKEN_CHARS');
    assertConfigError(() => loadTokenRecords({ tokens: [good(), good()] }), 'TOKEN_ID');
    assertConfigError(
      () => loadTokenRecords({ tokens: [{ id: 'a', token, scopes: ['read'] }, { id: 'b', token, scopes: ['heap'] }] }),
      'TOKEN_REUSED',
    );
    assertConfigError(() => loadTokenRecords({ tokens: 'nope' as never }), 'NO_TOKENS');
  });

  test('records keep digests, never the token', () => {
    const spec = good();
    const [record] = loadTokenRecords({ tokens: [spec] });
    assert.ok(!JSON.stringify(record).includes(spec.token));
    assert.ok(!Buffer.from(record!.digest).toString('latin1').includes(spec.token));
  });

  test('tokens from a private JSON file; a group- or world-readable file is refused', () => {
    const spec = good();
    const file = join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify([spec]), { mode: 0o600 });
    assert.deepEqual(loadTokenRecords({ tokensFile: file }).map((r) => r.id), ['ops']);
    chmodSync(file, 0o644);
    assertConfigError(() => loadTokenRecords({ tokensFile: file }), 'TOKENS_FILE_MODE');
    assertConfigError(() => loadTokenRecords({ tokensFile: join(dir, 'missing.json') }), 'TOKENS_FILE');
  });

  test('tokens from an environment variable; invalid JSON is refused without quoting it', () => {
    const spec = good();
    const records = loadTokenRecords({}, { MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([spec]) });
    assert.deepEqual(records.map((r) => r.scopes), [['read']]);
    assert.throws(
      () => loadTokenRecords({ tokensEnv: 'MY_TOKENS' }, { MY_TOKENS: `[{"token":"${spec.token}"` }),
      (error: Error) => error instanceof ConfigError && error.code === 'TOKENS_JSON' && !error.message.includes(spec.token),
    );
  });

  test('findToken matches the right record and nothing else', () => {
    const a = good();
    const b = { ...good(), id: 'other' };
    const records = loadTokenRecords({ tokens: [a, b] });
    assert.equal(findToken(records, a.token)?.id, 'ops');
    assert.equal(findToken(records, b.token)?.id, 'other');
    assert.equal(findToken(records, a.token.slice(0, -1)), undefined);
    assert.equal(findToken(records, `${a.token}x`), undefined);
    assert.equal(findToken(records, ''), undefined);
  });
});
