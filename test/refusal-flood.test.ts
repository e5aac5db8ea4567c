import assert from 'node:assert/strict';
import autocannon from 'autocannon';
import { after, before, describe, test } from 'node:test';
import { newToken, startFixture, stopChild, type Fixture } from './helpers/fixture.js';
import { request } from './helpers/http.js';

/** Sends `amount` requests as fast as `connections` connections allow; resolves with the status counts. */
async function flood(url: string, amount: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon({ url, amount, connections: 10, headers }, (error) => (error ? reject(error) : resolve()));
    instance.on('response', (_client, statusCode) => void (statuses[statusCode] = (statuses[statusCode] ?? 0) + 1));
  });
  return statuses;
}

/** p99 latency (ms) of the app's own route, sampled on one connection while `load` runs. */
async function p99During(appUrl: string, load: () => Promise<unknown>): Promise<number> {
  const probe = autocannon({ url: appUrl, connections: 1, duration: 120 }, () => {});
  const sampled = new Promise<autocannon.Result>((resolve) => probe.once('done', resolve));
  await load();
  probe.stop();
  const result = await sampled;
  assert.ok(result.requests.total > 50, 'the app answered throughout');
  return result.latency.p99;
}

describe('a flood of refused requests', () => {
  let app: Fixture;
  before(async () => {
    // autocannon ignores `Connection: close`, so Node would answer 503 past maxRequestsPerSocket: lifted here.
    app = await startFixture({ mode: 'worker', options: { rateLimit: { authFailures: { limit: 20 } }, connections: { maxRequestsPerSocket: 1_000_000 } } });
  });
  after(() => app.stop());

  test('5,000 refusals add a few audit lines, with the count; a valid token still passes meanwhile', async () => {
    const before = app.auditLines().length;
    const statuses = await flood(`${app.url}/`, 5_000, { authorization: `Bearer ${newToken()}` });
    assert.equal(statuses['401'], 20);
    assert.equal(statuses['429'], 4_980);
    assert.equal((await request(`${app.url}/`, { token: app.tokens.reader })).status, 200);
    // SIGTERM closes the server (the fixture's handler), which writes the interval's counts.
    await stopChild(app.child, 'SIGTERM');
    const added = app.auditLines().slice(before);
    assert.ok(added.length <= 30, `${added.length} lines`);
    // One summary per client per minute (a slow machine may take more than one), plus each minute's first refusal in full.
    const summaries = added.filter((line) => line.msg === 'refused requests' && line.client === '127.0.0.1');
    assert.ok(summaries.length > 0, 'a summary line for the client');
    const counted = summaries.reduce((sum, line) => sum + Number(line.count), 0);
    assert.equal(counted + added.filter((line) => line.msg === 'request' && line.tokenId === null).length, 5_000);
  });
});

describe('router mode under an unauthenticated flood', () => {
  let app: Fixture;
  before(async () => {
    // A limit the flood cannot reach: the cost measured is that of refusing, not of the 429 shortcut.
    app = await startFixture({ mode: 'router', options: { rateLimit: { authFailures: { limit: 1_000_000 } } } });
  });
  after(() => app.stop());

  test("the app's own p99 stays within 2x of the same flood on an unknown route of the app", async () => {
    const root = new URL(app.url).origin;
    const baseline = await p99During(app.appUrl, () => flood(`${root}/no-such-route`, 10_000));
    const refused = await p99During(app.appUrl, () => flood(`${app.url}/memory`, 10_000, { authorization: `Bearer ${newToken()}` }));
    console.log(`app p99: ${baseline} ms under a flood of 404s, ${refused} ms under a flood of refused requests`);
    assert.ok(refused <= Math.max(2 * baseline, baseline + 2), `p99 ${refused} ms vs ${baseline} ms`);
    assert.ok(app.auditLines().length < 30, 'the flood left a few audit lines');
  });
});
