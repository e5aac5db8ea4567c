import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

/**
 * CPU time (clock ticks, user and system) the process has used so far. CPU time, unlike latency, does not
 * grow when other work on a loaded machine delays the process: it measures what the requests cost it.
 */
function cpuTicks(pid: number): number {
  // Fields after "pid (comm) ": state is the first, utime the 12th and stime the 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function cpuTicksDuring(pid: number, load: () => Promise<unknown>): Promise<number> {
  const before = cpuTicks(pid);
  await load();
  return cpuTicks(pid) - before;
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

  test("refusing a flood costs the app no more than 2x what its own 404s to the same flood cost", async () => {
    const root = new URL(app.url).origin;
    const pid = app.child.pid!;
    // Both paths compiled first: the figure is what each request costs, not what compiling it costs once.
    await flood(`${root}/no-such-route`, 2_000);
    await flood(`${app.url}/memory`, 2_000, { authorization: `Bearer ${newToken()}` });
    // Three rounds of each, alternating, and the least of each: a round the machine's other work slowed
    // (caches, a GC of the app's own) costs more ticks, never fewer.
    const notFoundRounds: number[] = [];
    const refusedRounds: number[] = [];
    let answeredDuring = 0;
    for (let round = 0; round < 3; round++) {
      notFoundRounds.push(await cpuTicksDuring(pid, () => flood(`${root}/no-such-route`, 10_000)));
      refusedRounds.push(
        await cpuTicksDuring(pid, async () => {
          const flooding = flood(`${app.url}/memory`, 10_000, { authorization: `Bearer ${newToken()}` });
          // The app's own route keeps answering meanwhile.
          answeredDuring = (await request(`${app.appUrl}/`)).status;
          return flooding;
        }),
      );
    }
    const notFound = Math.min(...notFoundRounds);
    const refused = Math.min(...refusedRounds);
    console.log(`app CPU: ${notFoundRounds.join('/')} ticks for 10,000 404s, ${refusedRounds.join('/')} ticks for 10,000 refused requests`);
    assert.ok(answeredDuring > 0 && answeredDuring < 500, `the app answered ${answeredDuring} during the flood`);
    // A refusal does more than Express's 404 (security headers, Host check, a digest of the token, the
    // limiter, the tally): 1.3-1.7x its CPU on Node 22, 24 and 26 (docs/security.md; 2.3-3.2x before the
    // request state left its WeakMaps and the failure limit express-rate-limit's middleware). Writing an
    // audit line per refusal, as it once did, costs far more. 100 ms of slack: a tick is 10 ms, and the app's timers run meanwhile.
    assert.ok(refused <= 2 * notFound + 10, `${refused} ticks vs ${notFound}`);
    assert.ok(app.auditLines().length < 30, 'the flood left a few audit lines');
  });
});
