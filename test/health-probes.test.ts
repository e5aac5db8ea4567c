import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { maintenanceRouter } from '../src/index.js';
import { ConfigError } from '../src/errors.js';
import { resolveConfig } from '../src/options/resolve-options.js';
import { newToken, startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, openStream, readAll, request, sleep } from './helpers/http.js';

const UNRESPONSIVE_AFTER_SECONDS = 2;

describe('health probes that know about our own pauses (worker mode)', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { healthProbes: { unresponsiveAfterSeconds: UNRESPONSIVE_AFTER_SECONDS }, rateLimit: { all: { limit: 100_000 } } } });
  });
  after(() => app.stop());

  test('answer without a token, status only; the index names them', async () => {
    for (const path of ['/livez', '/readyz']) {
      const reply = await request(`${app.url}${path}`);
      assert.equal(reply.status, 200);
      assert.deepEqual(Object.keys(reply.json()), ['status']);
      assert.equal(reply.headers['cache-control'], 'no-store');
    }
    const index = (await request(`${app.url}/`, { token: app.tokens.reader })).json();
    assert.deepEqual(index.healthProbes, { livez: '/ops/livez', readyz: '/ops/readyz' });
  });

  test('answer whatever the Host header names (documented: a probe refused for its Host would restart a healthy pod), unlike the API', async () => {
    const host = { host: 'rebinding.attacker.example' };
    for (const path of ['/livez', '/readyz']) assert.equal((await request(`${app.url}${path}`, { headers: host })).status, 200, path);
    assert.equal((await request(`${app.url}/`, { token: app.tokens.reader, headers: host })).status, 421, 'the API checks it');
  });

  test('livez stays 200 while a heap snapshot holds the main thread past the threshold; readyz says paused', async () => {
    await app.command({ cmd: 'grow-objects', count: 2_000_000 }, 'grown');
    const download = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
    const body = readAll(download);
    let done = false;
    void body.finally(() => (done = true));
    const livez = new Set<number>();
    const readyz = new Set<string>();
    let longestSilence = 0;
    while (!done) {
      livez.add((await request(`${app.url}/livez`)).status);
      readyz.add((await request(`${app.url}/readyz`)).json().status);
      longestSilence = Math.max(longestSilence, (await request(`${app.url}/memory`, { token: app.tokens.reader })).json().ageSeconds);
      await sleep(100); // a probe's pace, not a wait for a condition
    }
    await body;
    assert.ok(longestSilence > UNRESPONSIVE_AFTER_SECONDS, `the snapshot held the main thread ${longestSilence} s, past the threshold`);
    assert.deepEqual([...livez], [200], 'never 503 during our own pause');
    assert.ok(readyz.has('paused'));
    await eventually(async () => (await request(`${app.url}/readyz`)).status === 200, 20_000, 'readyz to recover');
  });

  test('a busy loop that is not ours: livez and readyz turn 503 after the threshold, and 200 again after', async () => {
    const { unblocked } = await app.block(10_000);
    await eventually(async () => (await request(`${app.url}/livez`)).status === 503, 8_000, 'livez to say 503');
    const readyz = await request(`${app.url}/readyz`);
    assert.equal(readyz.status, 503);
    assert.equal(readyz.json().status, 'unresponsive');
    await unblocked;
    await eventually(async () => (await request(`${app.url}/livez`)).status === 200, 10_000, 'livez to recover');
  });
});

test('router mode refuses healthProbes: the app thread cannot judge itself', () => {
  assert.throws(
    () => maintenanceRouter({ tokens: [{ id: 'a', token: newToken(), scopes: ['read'] }], healthProbes: {} }),
    (error: Error) => error instanceof ConfigError && /startMaintenanceServer/.test(error.message),
  );
});

test('without the option there are no health probes: 401 like any unknown path', async () => {
  const app = await startFixture({ mode: 'worker' });
  try {
    assert.equal((await request(`${app.url}/livez`)).status, 401);
  } finally {
    await app.stop();
  }
});

test("the probes' limit defaults far above a kubelet's pace, and a bad one names its option", () => {
  const tokens = [{ id: 'a', token: newToken(), scopes: ['read' as const] }];
  assert.deepEqual(resolveConfig({ tokens, healthProbes: {} }).healthProbes, { unresponsiveAfterSeconds: 10, rateLimit: { limit: 6000, windowMs: 60_000 } });
  assert.throws(
    () => resolveConfig({ tokens, healthProbes: { rateLimit: { limit: 0 } } }),
    (error: Error) => error instanceof ConfigError && /healthProbes\.rateLimit\.limit/.test(error.message),
  );
});

describe('health probes have a rate limit of their own (worker mode)', () => {
  const TOKENLESS_LIMIT = 20;
  const PROBE_LIMIT = 60;
  let app: Fixture;
  before(async () => {
    app = await startFixture({
      mode: 'worker',
      options: { healthProbes: { unresponsiveAfterSeconds: 10, rateLimit: { limit: PROBE_LIMIT } }, rateLimit: { all: { limit: TOKENLESS_LIMIT } } },
    });
  });
  after(() => app.stop());

  test("the console's page and assets from the same address use up their limit, and livez still answers 200", async () => {
    const page = await request(`${app.url}/console`);
    assert.equal(page.status, 200);
    const assets = [...page.body.toString('utf8').matchAll(/(console\/assets\/[^"']+)/g)].map((match) => match[1]!);
    assert.ok(assets.length > 0, 'the page names its assets');
    let refused = 0;
    for (let i = 0; refused === 0 && i < TOKENLESS_LIMIT * 2; i++) {
      const reply = await request(`${app.url}/${assets[i % assets.length]}`);
      if (reply.status === 429) refused++;
      else assert.equal(reply.status, 200);
    }
    assert.equal(refused, 1, 'the console traffic ran into the tokenless limit');
    assert.equal((await request(`${app.url}/console`)).status, 429, 'and stays refused');
    for (const path of ['/livez', '/readyz']) {
      const reply = await request(`${app.url}${path}`);
      assert.equal(reply.status, 200, `${path} is not counted with the console`);
      assert.deepEqual(Object.keys(reply.json()), ['status']);
    }
  });

  test('a flood of probes past their own limit is refused with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= PROBE_LIMIT; i++) statuses.push((await request(`${app.url}/livez`)).status);
    assert.equal(statuses.at(-1), 429);
    assert.ok(statuses.slice(0, PROBE_LIMIT - 2).every((status) => status === 200), 'every probe within the limit answered 200');
    const refusal = await request(`${app.url}/readyz`);
    assert.equal(refusal.status, 429);
    assert.equal(refusal.json().error.code, 'RATE_LIMITED');
    assert.match(String(refusal.headers['ratelimit']), new RegExp(`limit=${PROBE_LIMIT}`));
  });
});
