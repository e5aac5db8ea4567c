import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, startMaintenanceServer } from '../src/index.js';
import { openDescriptorTargets } from './helpers/descriptors.js';
import { newToken, startFixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

const tokens = () => [{ id: 'ops', token: newToken(), scopes: ['read' as const] }];

describe('startMaintenanceServer', () => {
  test('reports its URL, answers there, and close() frees the port', async () => {
    const spec = tokens();
    const server = await startMaintenanceServer({ tokens: spec, port: 0, basePath: '/internal/ops', auditLog: '/dev/null' });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/internal\/ops$/);
    assert.equal(new URL(server.url).port, String(server.port));
    const reply = await request(`${server.url}/`, { token: spec[0]!.token });
    assert.equal(reply.status, 200);
    await server.close();
    await server.close(); // idempotent
    await assert.rejects(request(`${server.url}/`, { token: spec[0]!.token }), /ECONNREFUSED/);
    // The port is free again: something else can listen on it.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(server.port, '127.0.0.1', resolve));
    await new Promise((resolve) => probe.close(resolve));
  });

  test('close() closes the audit log file it opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'me-audit-'));
    try {
      const auditLog = join(dir, 'audit.log');
      const spec = tokens();
      const openOnAuditLog = () => openDescriptorTargets().filter((target) => target === auditLog);
      const server = await startMaintenanceServer({ tokens: spec, port: 0, auditLog });
      assert.equal((await request(`${server.url}/`, { token: spec[0]!.token })).status, 200);
      assert.equal(openOnAuditLog().length, 1, 'the worker holds the file open');
      await server.close();
      assert.deepEqual(openOnAuditLog(), [], 'and closes it');
      assert.match(readFileSync(auditLog, 'utf8'), /"path":"\/ops\/"/, 'the line was written before it closed');
      assert.equal(statSync(auditLog).mode & 0o777, 0o600, 'the audit log it creates is private');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a port in use rejects with EADDRINUSE instead of hanging or throwing later', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    await assert.rejects(startMaintenanceServer({ tokens: tokens(), port, auditLog: '/dev/null' }), { code: 'EADDRINUSE' });
    await new Promise((resolve) => blocker.close(resolve));
  });

  test("onListenError: 'warn': a taken port leaves the app running without its endpoint, with one warning", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    let app: Awaited<ReturnType<typeof startFixture>> | undefined;
    try {
      app = await startFixture({ mode: 'worker', options: { port, onListenError: 'warn' } });
      assert.equal(app.url, '', 'no endpoint URL: it is not serving');
      await eventually(async () => app!.warnings().some((line) => /MaintenanceEndpointWarning: maintenance-endpoint is not serving: .*EADDRINUSE/.test(line)), 20_000, 'the warning');
      const own = await request(app.appUrl);
      assert.equal(own.status, 200);
      assert.equal(own.body.toString(), 'the app');
      assert.equal(app.child.exitCode, null, 'the app is alive');
    } finally {
      await app?.stop();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('bad options are refused before anything starts', async () => {
    await assert.rejects(startMaintenanceServer({ tokens: tokens(), basePath: 'ops/' }), ConfigError);
    await assert.rejects(startMaintenanceServer({ tokens: tokens(), port: 70000 }), ConfigError);
    await assert.rejects(startMaintenanceServer({ tokens: tokens(), auditLog: 'relative.log' }), ConfigError);
    await assert.rejects(startMaintenanceServer({ tokens: tokens(), allowedHosts: ['a b'] }), ConfigError);
  });
});
