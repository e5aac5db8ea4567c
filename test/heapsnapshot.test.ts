import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { filesIn, startFixture, type Fixture, type Mode } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually, gunzip, openStream, readAll, request, requestOnceFree } from './helpers/http.js';

for (const mode of ['worker', 'router'] as Mode[]) {
  describe(`GET /heapsnapshot (${mode} mode)`, () => {
    let app: Fixture;
    before(async () => {
      app = await startFixture({ mode, options: { rateLimit: { heavy: { limit: 100 } } } });
    });
    after(() => app.stop());

    test('streams a whole snapshot that holds the planted objects, named for DevTools', async () => {
      const reply = await request(`${app.url}/heapsnapshot`, { token: app.tokens.heap });
      assert.equal(reply.status, 200);
      assert.match(String(reply.headers['content-disposition']), /^attachment; filename="[A-Za-z0-9._-]+-\d+-\d{8}T\d{6}Z\.heapsnapshot"$/);
      assert.equal(reply.headers['cache-control'], 'no-store');
      assert.equal(reply.headers['transfer-encoding'], 'chunked', 'streamed, not staged whole');
      assertWholeSnapshotWithPlantedObjects(reply.body);
      assert.deepEqual(filesIn(app.tmpdir), [], 'no temp file for a client that keeps up');
    });

    test('gzip-streams the snapshot when the client accepts gzip', async () => {
      const reply = await request(`${app.url}/heapsnapshot`, { token: app.tokens.heap, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-encoding'], 'gzip');
      const plain = gunzip(reply.body);
      assert.ok(reply.body.length * 3 < plain.length, 'the compressed body is much smaller');
      assertWholeSnapshotWithPlantedObjects(plain);
    });

    test('passes DevTools capture options through', async () => {
      const reply = await request(`${app.url}/heapsnapshot?exposeInternals=true&captureNumericValue=true`, { token: app.tokens.heap });
      assert.equal(reply.status, 200);
      assertWholeSnapshotWithPlantedObjects(reply.body);
      // Written when the server closes the response, a moment after the client has read its end.
      const audit = await eventually(async () =>
        app.auditLines().find((line) => line.path === '/ops/heapsnapshot' && line.event === undefined && (line.params as { exposeInternals?: boolean } | undefined)?.exposeInternals === true),
      20_000, 'the audit line');
      assert.deepEqual(audit.params, { exposeInternals: true, captureNumericValue: true, redact: true, force: false });
    });

    test('rejects bad query parameters with a 400 that names them, before doing anything', async () => {
      for (const [query, code, named] of [
        ['exposeInternals=yes', 'INVALID_PARAMETER', 'exposeInternals'],
        ['captureNumericValue=', 'INVALID_PARAMETER', 'captureNumericValue'],
        ['exposeInternals=true&exposeInternals=false', 'REPEATED_PARAMETER', 'exposeInternals'],
        ['seconds=5', 'UNKNOWN_PARAMETER', 'seconds'],
      ] as const) {
        const reply = await request(`${app.url}/heapsnapshot?${query}`, { token: app.tokens.heap });
        assert.equal(reply.status, 400, query);
        const { error } = reply.json();
        assert.equal(error.code, code, query);
        assert.match(error.message, new RegExp(named));
        assert.equal(reply.headers['content-disposition'], undefined);
      }
    });

    test('a second snapshot while one runs gets 409 with Retry-After, at once', async () => {
      const first = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
      const started = Date.now();
      const second = await request(`${app.url}/heapsnapshot`, { token: app.tokens.heap });
      // The first download cannot end while its client reads nothing, so a second request that waited
      // for the slot would never be answered; the bound rules out a refusal after some wait, with room
      // for a loaded machine, where one request can take seconds.
      assert.ok(Date.now() - started < 10_000, 'refused without waiting');
      assert.equal(second.status, 409);
      assert.equal(second.json().error.code, 'OPERATION_IN_PROGRESS');
      assert.match(String(second.headers['retry-after']), /^\d+$/);
      assertWholeSnapshotWithPlantedObjects(await readAll(first));
    });

    test('a client that leaves mid-stream costs nothing lasting: the next download is whole', async () => {
      const first = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
      await new Promise<void>((resolve) => first.once('data', () => resolve()).resume());
      first.destroy();
      const next = await requestOnceFree(`${app.url}/heapsnapshot`, app.tokens.heap);
      assert.equal(next.status, 200);
      assertWholeSnapshotWithPlantedObjects(next.body);
      assert.deepEqual(filesIn(app.tmpdir), []);
      const aborted = app.auditLines().find((line) => line.path === '/ops/heapsnapshot' && line.completed === false);
      assert.ok(aborted, 'the aborted download is audited as not completed');
    });

    test('audits every download without the token', () => {
      const text = app.auditText();
      for (const token of Object.values(app.tokens)) assert.ok(!text.includes(token), 'no token in the audit log');
      assert.doesNotMatch(text, /ERR_ERL_/, 'express-rate-limit found no configuration problem');
      const lines = app.auditLines().filter((line) => line.path === '/ops/heapsnapshot' && line.status === 200 && line.completed);
      assert.ok(lines.length >= 3);
      for (const line of lines) {
        assert.equal(line.tokenId, 'heap');
        assert.equal(line.method, 'GET');
        assert.equal(typeof line.time, 'string');
        assert.equal(typeof line.durationMs, 'number');
        assert.ok((line.bytes as number) > 100_000);
        assert.match(String(line.client), /127\.0\.0\.1/);
      }
    });
  });
}
