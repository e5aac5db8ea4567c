import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, maintenanceRequestHandler } from '../src/index.js';
import { newToken, requestAuditLine, startFixture, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { request } from './helpers/http.js';
import { loadedByMainThread, packagesOf } from './helpers/loaded-packages.js';

const RECORDER = new URL('./fixtures/record-loads.js', import.meta.url).href;

/** The HTTP stack, which an in-app endpoint loads on its first request (prom-client runs from the start, for the GC durations of /metrics). */
const HTTP_STACK = ['express', 'router', 'body-parser', 'helmet', 'express-rate-limit', 'pino'];

/**
 * A plain node:http app (test/fixtures/plain-http-app.ts) whose listener hands each request to
 * maintenanceRequestHandler() first: the API answers under /ops with router mode's security, the app answers
 * everything else, and until the first request under /ops the app's thread holds none of the HTTP stack
 * (recorded by a preload, as test/idle-footprint.test.ts does for the worker).
 */
describe('maintenanceRequestHandler() in a plain node:http app', () => {
  const records = mkdtempSync(join(tmpdir(), 'me-handler-loads-'));
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'router', script: 'plain-http-app.js', nodeArgs: ['--import', RECORDER], env: { RECORD_LOADS_DIR: records } });
  });
  after(async () => {
    await app?.stop();
    rmSync(records, { recursive: true, force: true });
  });

  test("idle and while the app answers its own routes, the app's thread holds none of the HTTP stack", async () => {
    const own = await request(app.appUrl);
    assert.equal(own.status, 200);
    assert.equal(own.body.toString(), 'the app');
    // Near the base path but not under it, or not in its case: the app's.
    for (const path of ['opsx', 'ops-status', 'OPS/memory']) {
      const reply = await request(`${app.appUrl}${path}`, { token: app.tokens.admin });
      assert.equal(reply.status, 404, path);
      assert.equal(reply.body.toString(), "not one of the app's routes", path);
    }
    const loaded = loadedByMainThread(records);
    assert.ok(loaded.some((url) => url.endsWith('/src/router/maintenance-request-handler.js')), 'the record sees the handler load');
    const inApp = packagesOf(loaded);
    for (const name of HTTP_STACK) assert.ok(!inApp.has(name), `${name} is loaded before any request under /ops`);
    assert.equal(app.auditLines().length, 0, 'the endpoint saw none of the requests');
  });

  test('under the base path the API answers with a token and refuses without one; Express loads then', async () => {
    const refused = await request(`${app.url}/memory`);
    assert.equal(refused.status, 401);
    assert.equal(refused.json().error.code, 'UNAUTHORIZED');
    const memory = await request(`${app.url}/memory`, { token: app.tokens.reader });
    assert.equal(memory.status, 200);
    assert.equal(memory.json().source, 'main-thread probe');
    assert.equal(memory.headers['cache-control'], 'no-store');
    assert.equal(memory.headers['x-content-type-options'], 'nosniff', 'helmet set its headers');
    const index = await request(app.url, { token: app.tokens.reader });
    assert.equal(index.status, 200);
    assert.equal(index.json().mode, 'router');
    const loaded = packagesOf(loadedByMainThread(records));
    for (const name of ['express', 'helmet', 'express-rate-limit']) assert.ok(loaded.has(name), `${name} is loaded once the API answered`);
    // The audit names the caller, never the token.
    const line = await requestAuditLine(app, '/ops/memory', 2);
    assert.equal(line.status, 200);
    assert.equal(line.tokenId, 'reader');
    assert.ok(!app.auditText().includes(app.tokens.reader));
    const own = await request(app.appUrl);
    assert.equal(own.body.toString(), 'the app', 'the app still answers its own routes');
  });

  test("a heap snapshot of the app's thread downloads whole, redacted; another Host is refused", async () => {
    const snapshot = await request(`${app.url}/heapsnapshot`, { token: app.tokens.heap });
    assert.equal(snapshot.status, 200);
    assertWholeSnapshotWithPlantedObjects(snapshot.body);
    const misdirected = await request(`${app.url}/memory`, { token: app.tokens.reader, headers: { host: 'maintenance.example.com' } });
    assert.equal(misdirected.status, 421);
  });

  test('options are checked at once, by name, with the base path among them', () => {
    const tokens = [{ id: 'ops', token: newToken(), scopes: ['read' as const] }];
    const refused = (options: unknown, code: string, message?: RegExp) =>
      assert.throws(
        () => maintenanceRequestHandler(options as never),
        (error: unknown) => error instanceof ConfigError && error.code === code && (message === undefined || message.test(error.message)),
      );
    refused({ tokens, basePth: '/ops' }, 'UNKNOWN_OPTION', /^basePth: unknown option; did you mean basePath\?$/);
    refused({ tokens, basePath: '/ops/' }, 'BASE_PATH');
    refused({ tokens: [] }, 'NO_TOKENS');
    refused({ tokens, trustProxy: true }, 'TRUST_PROXY');
    refused({ tokens, healthProbes: {} }, 'INVALID_OPTIONS');
  });
});
