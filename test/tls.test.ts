import assert from 'node:assert/strict';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, startMaintenanceServer } from '../src/index.js';
import { runCli, startSidecar } from './helpers/cli.js';
import { newToken, startFixture } from './helpers/fixture.js';
import { request } from './helpers/http.js';
import { makeTestPki, type TestPki } from './helpers/test-ca.js';

function httpsGet(url: string, options: RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, options, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS on the out-of-band server', () => {
  let pki: TestPki;
  const token = newToken();
  const tokens = [{ id: 'ops', token, scopes: ['read' as const] }];
  const auth = { authorization: `Bearer ${token}` };
  before(() => {
    pki = makeTestPki();
  });
  after(() => pki.remove());

  test('HTTPS: the URL says https, a client that trusts the CA gets answers, plain HTTP gets none', async () => {
    const server = await startMaintenanceServer({ tokens, auditLog: '/dev/null', tls: { key: pki.serverKey, cert: pki.serverCert } });
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/ops$/);
      const reply = await httpsGet(`${server.url}/`, { ca: pki.ca, headers: auth });
      assert.equal(reply.status, 200);
      assert.equal(JSON.parse(reply.body).name, 'maintenance-endpoint');
      await assert.rejects(httpsGet(`${server.url}/`, { headers: auth }), /self-signed|unable to verify|UNABLE_TO_GET_ISSUER/i);
      await assert.rejects(request(`${server.url.replace('https:', 'http:')}/`, { token }));
    } finally {
      await server.close();
    }
  });

  test('mutual TLS: a client certificate from the CA passes; none, or one from another CA, is refused in the handshake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'me-tls-audit-'));
    const auditLog = join(dir, 'audit.log');
    const server = await startMaintenanceServer({
      tokens,
      auditLog,
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestClientCert: true },
    });
    try {
      const ok = await httpsGet(`${server.url}/`, { ca: pki.ca, key: pki.clientKey, cert: pki.clientCert, headers: auth });
      assert.equal(ok.status, 200);
      await assert.rejects(httpsGet(`${server.url}/`, { ca: pki.ca, headers: auth }), /certificate|ECONNRESET|socket hang up/i);
      await assert.rejects(
        httpsGet(`${server.url}/`, { ca: pki.ca, key: pki.strangerKey, cert: pki.strangerCert, headers: auth }),
        /certificate|unknown ca|ECONNRESET|socket hang up/i,
      );
    } finally {
      await server.close();
    }
    assert.match(readFileSync(auditLog, 'utf8'), /TLS handshakes refused/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a non-loopback host without TLS refuses to start; allowed explicitly, every start says so', async () => {
    await assert.rejects(startMaintenanceServer({ tokens, host: '0.0.0.0', auditLog: '/dev/null' }), (error: ConfigError) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'INSECURE_REMOTE');
      assert.match(error.message, /tls/);
      return true;
    });
    await assert.rejects(startMaintenanceServer({ tokens, tls: { key: '/etc/key.pem', cert: '/etc/cert.pem' } }), { code: 'TLS' });
    await assert.rejects(startMaintenanceServer({ tokens, tls: { key: pki.serverKey, cert: pki.serverCert, requestClientCert: true } }), { code: 'TLS' });
    const dir = mkdtempSync(join(tmpdir(), 'me-insecure-'));
    const auditLog = join(dir, 'audit.log');
    const server = await startMaintenanceServer({ tokens, host: '0.0.0.0', allowInsecureRemote: true, auditLog, allowedHosts: ['127.0.0.1'] });
    try {
      const port = new URL(server.url).port;
      const index = await request(`http://127.0.0.1:${port}/ops/`, { token });
      assert.equal(index.status, 200);
      assert.match(index.json().warnings[0], /Plain HTTP on 0\.0\.0\.0/);
    } finally {
      await server.close();
    }
    assert.match(readFileSync(auditLog, 'utf8'), /insecure remote listening/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('serve speaks mutual TLS with --tls-key, --tls-cert, --tls-ca and --tls-request-client-cert', async () => {
    const app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'] });
    const sidecar = await startSidecar([
      '--target', `127.0.0.1:${app.inspectorPort}`,
      '--tls-key', join(pki.dir, 'server.key'),
      '--tls-cert', join(pki.dir, 'server.pem'),
      '--tls-ca', join(pki.dir, 'ca.pem'),
      '--tls-request-client-cert',
    ]);
    try {
      assert.match(sidecar.url, /^https:\/\/127\.0\.0\.1:\d+\/ops$/);
      const headers = { authorization: `Bearer ${sidecar.token}` };
      const index = await httpsGet(`${sidecar.url}/`, { ca: pki.ca, key: pki.clientKey, cert: pki.clientCert, headers });
      assert.equal(index.status, 200);
      assert.equal(JSON.parse(index.body).pid, app.child.pid);
      await assert.rejects(httpsGet(`${sidecar.url}/`, { ca: pki.ca, headers }), /certificate|ECONNRESET|socket hang up/i);
    } finally {
      await sidecar.stop();
      await app.stop();
    }
  });

  test('serve refuses 0.0.0.0 without TLS, and names the TLS flags', async () => {
    const run = await runCli(['serve', '--target', '127.0.0.1:9', '--host', '0.0.0.0'], {
      env: { MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify(tokens) },
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Refusing to listen on 0\.0\.0\.0 with plain HTTP/);
    assert.match(run.stderr, /--tls-key/);
  });
});
