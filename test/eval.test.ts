import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, postJson, request } from './helpers/http.js';

const EVAL_OPTIONS = { eval: { enabled: true, maxTimeoutMs: 5000 }, rateLimit: { all: { limit: 10_000 } } };

const evaluate = (fixture: Fixture, expression: string, extra: Record<string, unknown> = {}, token = fixture.tokens.admin) =>
  postJson(`${fixture.url}/eval`, token, { expression, ...extra });

describe('eval, read-only, worker mode', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: EVAL_OPTIONS });
  });
  after(() => app.stop());

  test('1 + 2 gives 3', async () => {
    const reply = await evaluate(app, '1 + 2');
    assert.equal(reply.status, 200, reply.body.toString());
    assert.deepEqual(reply.json().result, { type: 'number', value: 3 });
    assert.equal(reply.json().outcome, 'value');
    assert.equal(reply.json().sideEffects, false);
  });

  test('a planted global reads as its value, an object as a preview', async () => {
    assert.deepEqual((await evaluate(app, 'appConfig.region')).json().result, { type: 'string', value: 'eu-west-1' });
    const config = (await evaluate(app, 'appConfig')).json().result;
    assert.equal(config.className, 'Object');
    const flags = config.properties.find((property: { name: string }) => property.name === 'featureFlags');
    assert.deepEqual(flags.value.properties, [
      { name: 'newCheckout', value: { type: 'boolean', value: false } },
      { name: 'darkMode', value: { type: 'boolean', value: true } },
    ]);
    const cache = (await evaluate(app, 'appCache')).json().result;
    assert.equal(cache.subtype, 'map');
    assert.equal(cache.size, 3);
    assert.deepEqual(cache.entries[0].key, { type: 'string', value: 'user:0' });
  });

  test('an assignment is refused with 422 SIDE_EFFECT and nothing changes', async () => {
    for (const expression of ["appConfig.region = 'us-east-1'", 'appCache.clear()', 'delete appConfig.featureFlags', 'watched.counter++']) {
      const reply = await evaluate(app, expression);
      assert.equal(reply.status, 422, expression);
      assert.equal(reply.json().error.code, 'SIDE_EFFECT');
    }
    const state = await app.command({ cmd: 'globals' }, 'globals');
    assert.deepEqual(state.appConfig, { region: 'eu-west-1', featureFlags: { newCheckout: false, darkMode: true } });
    assert.equal(state.cacheSize, 3);
  });

  test('a thrown error comes back with its class, message and stack; a syntax error too', async () => {
    const thrown = (await evaluate(app, 'null.x')).json();
    assert.equal(thrown.outcome, 'exception');
    assert.equal(thrown.exception.className, 'TypeError');
    assert.match(thrown.exception.stack, /TypeError/);
    const syntax = (await evaluate(app, 'foo(')).json();
    assert.equal(syntax.exception.className, 'SyntaxError');
  });

  test('while (true) {} ends at the limit, and the app goes on serving', async () => {
    const started = Date.now();
    const reply = await evaluate(app, 'while (true) {}', { timeoutMs: 500 });
    assert.equal(reply.status, 504);
    assert.equal(reply.json().error.code, 'EVALUATION_TIMEOUT');
    assert.ok(Date.now() - started >= 500);
    // The main thread's loop turns (it answers IPC) and the endpoint answers evaluations again.
    assert.equal((await app.command({ cmd: 'globals' }, 'globals')).cacheSize, 3);
    assert.deepEqual((await evaluate(app, '2 * 21')).json().result, { type: 'number', value: 42 });
  });

  test('works while the main thread is in a 10 s busy loop', async () => {
    const { unblocked } = await app.block(10_000);
    let ended = false;
    void unblocked.then(() => (ended = true));
    const reply = await evaluate(app, 'appConfig.region');
    assert.equal(ended, false, 'the answer came while the loop was still blocked');
    assert.deepEqual(reply.json().result, { type: 'string', value: 'eu-west-1' });
    // A timed-out evaluation inside the blocked loop is stopped, and the app's own loop runs to its end.
    assert.equal((await evaluate(app, 'while (true) {}', { timeoutMs: 300 })).status, 504);
    assert.equal(ended, false);
    await unblocked;
  });

  test('a huge value previews within the size cap', async () => {
    await app.command({ cmd: 'plant-huge' }, 'planted');
    const sizes: string[] = [];
    // The limit is generous: this checks the size of the answer, not the speed of a loaded machine.
    for (const expression of ['hugeValue', 'hugeValue.text', 'hugeValue.list', 'globalThis']) {
      const reply = await evaluate(app, expression, { timeoutMs: 5000 });
      assert.ok(reply.json().durationMs !== undefined, `${expression}: ${reply.body.toString()}`);
      assert.equal(reply.status, 200, expression);
      assert.ok(reply.body.length < 100 * 1024, `${expression}: ${reply.body.length} bytes`);
      sizes.push(`${expression}: ${reply.body.length} B in ${reply.json().durationMs} ms`);
    }
    const text = (await evaluate(app, 'hugeValue.text', { timeoutMs: 5000 })).json().result;
    assert.equal(text.length, 64 * 1024 * 1024);
    assert.equal(text.truncated, true);
    const list = (await evaluate(app, 'hugeValue.list', { timeoutMs: 5000 })).json().result;
    assert.equal(list.length, 1_000_000);
    assert.equal(list.omitted, 1_000_000 - list.properties.length);
    process.stdout.write(`# previews: ${sizes.join('; ')}\n`);
  });

  test('a read-only token gets 403; side effects the app did not allow get 403', async () => {
    const reader = await evaluate(app, '1', {}, app.tokens.reader);
    assert.equal(reader.status, 403);
    const sideEffects = await evaluate(app, 'watched.counter = 5', { sideEffects: true });
    assert.equal(sideEffects.status, 403);
    assert.match(sideEffects.json().error.message, /allowSideEffects/);
  });

  test('bad bodies get 400 naming the field, and an oversized one 413', async () => {
    const missing = await postJson(`${app.url}/eval`, app.tokens.admin, { timeoutMs: 100 });
    assert.equal(missing.status, 400);
    assert.match(missing.json().error.message, /"expression"/);
    const wrongType = await evaluate(app, '1', { timeoutMs: '100' });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.json().error.message, /"timeoutMs"/);
    assert.equal((await evaluate(app, '1', { timeoutMs: 60_000 })).status, 400);
    assert.equal((await evaluate(app, '1', { unknown: true })).status, 400);
    assert.equal((await evaluate(app, 'x'.repeat(200 * 1024))).status, 413);
    const notJson = await request(`${app.url}/eval`, { token: app.tokens.admin, method: 'POST', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
  });

  test('completions: global names and an object\'s properties', async () => {
    const globals = await postJson(`${app.url}/eval/completions`, app.tokens.admin, { prefix: 'app' });
    assert.equal(globals.status, 200, globals.body.toString());
    assert.ok(globals.json().completions.includes('appConfig'));
    assert.ok(globals.json().completions.includes('appCache'));
    const properties = await postJson(`${app.url}/eval/completions`, app.tokens.admin, { expression: 'appConfig', prefix: 'feat' });
    assert.deepEqual(properties.json().completions, ['featureFlags']);
    const methods = await postJson(`${app.url}/eval/completions`, app.tokens.admin, { expression: 'appCache', prefix: 'cl' });
    assert.deepEqual(methods.json().completions, ['clear']);
  });

  test('every evaluation is audited: token, expression, outcome, duration', async () => {
    await evaluate(app, 'appConfig.region = "audited"');
    const line = await eventually(
      async () => app.auditLines().find((entry) => entry.path === '/ops/eval' && (entry.params as { expression?: string })?.expression === 'appConfig.region = "audited"'),
      10_000,
      'the audit line of the refused evaluation',
    );
    assert.equal(line.tokenId, 'admin');
    assert.equal(line.status, 422);
    assert.deepEqual(line.result, { outcome: 'SIDE_EFFECT' });
    assert.equal(typeof line.durationMs, 'number');
  });

  test('the index lists /eval when enabled', async () => {
    const index = (await request(`${app.url}/`, { token: app.tokens.admin })).json();
    assert.ok(index.endpoints.some((endpoint: { path: string }) => endpoint.path === '/ops/eval'));
  });
});

describe('eval, not opted in', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker' });
  });
  after(() => app.stop());

  test('answers 404 exactly like an unknown path, and the index does not list it', async () => {
    const unknown = await postJson(`${app.url}/no-such-path`, app.tokens.admin, { expression: '1' });
    for (const [method, path] of [['POST', '/eval'], ['GET', '/eval'], ['POST', '/eval/completions']] as const) {
      const reply = await request(`${app.url}${path}`, { token: app.tokens.admin, method, json: { expression: '1' } });
      assert.equal(reply.status, 404, `${method} ${path}`);
      assert.deepEqual(reply.json(), unknown.json());
    }
    const index = (await request(`${app.url}/`, { token: app.tokens.admin })).json();
    assert.ok(!index.endpoints.some((endpoint: { path: string }) => endpoint.path.startsWith('/ops/eval')));
  });
});

describe('eval with side effects allowed', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { ...EVAL_OPTIONS, eval: { enabled: true, allowSideEffects: true } } });
  });
  after(() => app.stop());

  test('still read-only unless the request asks; then the change happens', async () => {
    assert.equal((await evaluate(app, 'appConfig.featureFlags.newCheckout = true')).status, 422);
    assert.equal((await app.command({ cmd: 'globals' }, 'globals') as { appConfig: { featureFlags: { newCheckout: boolean } } }).appConfig.featureFlags.newCheckout, false);
    const reply = await evaluate(app, 'appConfig.featureFlags.newCheckout = true', { sideEffects: true });
    assert.equal(reply.status, 200);
    assert.equal((await app.command({ cmd: 'globals' }, 'globals') as { appConfig: { featureFlags: { newCheckout: boolean } } }).appConfig.featureFlags.newCheckout, true);
  });

  test('a promise is awaited; one that cannot settle because the loop is blocked says so', async () => {
    const settled = await evaluate(app, "new Promise((resolve) => setTimeout(resolve, 50, 'settled'))", { sideEffects: true });
    assert.deepEqual(settled.json().result, { type: 'string', value: 'settled' });
    assert.equal(settled.json().awaited, true);
    const { unblocked } = await app.block(8000);
    const pending = await evaluate(app, "new Promise((resolve) => setTimeout(resolve, 10, 'late'))", { sideEffects: true, timeoutMs: 3000 });
    assert.equal(pending.status, 504);
    assert.equal(pending.json().error.code, 'EVALUATION_TIMEOUT');
    assert.equal(pending.json().error.phase, 'promise');
    assert.equal(pending.json().error.loopBlocked, true);
    assert.match(pending.json().error.message, /event loop is blocked/);
    await unblocked;
  });
});

describe('eval in router mode', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'router', options: EVAL_OPTIONS });
  });
  after(() => app.stop());

  test('reads, refuses writes, and stops an endless loop while the app goes on serving', async () => {
    assert.deepEqual((await evaluate(app, 'appConfig.region')).json().result, { type: 'string', value: 'eu-west-1' });
    assert.equal((await evaluate(app, 'appConfig.region = 1')).status, 422);
    assert.equal((await evaluate(app, 'while (true) {}', { timeoutMs: 300 })).status, 504);
    const home = await request(app.url.replace(/\/ops$/, '/'));
    assert.equal(home.body.toString(), 'the app');
  });
});
