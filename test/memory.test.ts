import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

const MB = 1024 * 1024;

/** The value of one sample line of a Prometheus exposition (`name{labels} value`). */
function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  assert.ok(line, `metric ${name}{${labels}} is exposed`);
  return Number(line.split(' ').at(-1));
}

describe('leak verdict', () => {
  test('confirm=1 decides at once from two forced full GCs: a process retaining 5 MB/s leaks, one churning as fast does not', async () => {
    const [leaking, churning] = await Promise.all([startFixture({ mode: 'worker' }), startFixture({ mode: 'worker' })]);
    try {
      await Promise.all([leaking.command({ cmd: 'leak', ms: 30_000 }, 'started'), churning.command({ cmd: 'churn', ms: 30_000 }, 'started')]);
      const ask = (app: Fixture) => request(`${app.url}/memory/leaks?confirm=1`, { token: app.tokens.admin });
      const [leakReply, churnReply] = await Promise.all([ask(leaking), ask(churning)]);
      assert.equal(leakReply.status, 200);
      const leak = leakReply.json();
      const churn = churnReply.json();
      assert.equal(leak.verdict, 'leak', leak.reason);
      assert.equal(leak.leakSuspected, true);
      assert.ok(leak.confirmation.growthBytes > 10 * MB, `kept ${leak.confirmation.growthBytes} bytes in ${leak.confirmation.intervalSeconds} s`);
      assert.equal(leak.confirmation.pauseMs.length, 2);
      assert.ok(leak.confirmation.pauseMs.every((ms: number) => ms > 0), 'the pause each forced GC cost is stated');
      // Two floors 5 s apart rule out only leaks fast enough to show in 5 s: the answer says so, never no-leak.
      assert.equal(churn.verdict, 'insufficient-data', churn.reason);
      assert.equal(churn.leakSuspected, false);
      assert.match(churn.reason, /no growth above [\d.]+ MiB\/min in \d+ s/);
      assert.ok(churn.ruledOut.leaksFasterThanBytesPerSecond > 0, JSON.stringify(churn.ruledOut));
      assert.ok(churn.confirmation.growthBytes < 2 * MB, `churn kept ${churn.confirmation.growthBytes} bytes`);
      const forbidden = await request(`${leaking.url}/memory/leaks?confirm=1`, { token: leaking.tokens.reader });
      assert.equal(forbidden.status, 403, 'forcing GCs needs the heap scope');
      // The verdict first: it may force a pair of full GCs itself, whose floors the metric then shares.
      const plain = (await request(`${leaking.url}/memory/leaks`, { token: leaking.tokens.reader })).json();
      const metrics = (await request(`${leaking.url}/metrics`, { token: leaking.tokens.reader })).body.toString();
      assert.equal(metric(metrics, 'maintenance_endpoint_leak_suspected'), { leak: 1, 'no-leak': 0, 'insufficient-data': -1 }[plain.verdict as string]);
    } finally {
      await Promise.all([leaking.stop(), churning.stop()]);
    }
  });

  test('too early to judge is said plainly, with how long to wait', async () => {
    const app = await startFixture({ mode: 'router' });
    try {
      const verdict = (await request(`${app.url}/memory/leaks`, { token: app.tokens.reader })).json();
      assert.equal(verdict.verdict, 'insufficient-data');
      assert.equal(verdict.leakSuspected, false);
      assert.ok(verdict.retryAfterSeconds > 0);
      assert.match(verdict.reason, /full GC/);
    } finally {
      await app.stop();
    }
  });
});

describe('memory figures, GC, report and metrics (worker mode)', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({
      mode: 'worker',
      args: ['--api-token=planted-argument-secret-123', 'postgres://admin:planted-url-password@db.internal/app'],
      env: { PLANTED_SECRET: 'planted-environment-secret-456' },
      // Many reads of /memory across the delay histogram's windows: above the general limit of 300 a minute.
      options: { rateLimit: { heavy: { limit: 100 }, all: { limit: 3000 } } },
    });
  });
  after(() => app.stop());

  test("/memory and /metrics report the app main thread's large heap, not the worker's", async () => {
    await app.command({ cmd: 'grow', mb: 300 }, 'grown');
    // The probe publishes once a second, later on a loaded machine: wait for a figure taken after the growth.
    const memory = await eventually(async () => {
      const figures = (await request(`${app.url}/memory`, { token: app.tokens.reader })).json();
      return figures.heapUsed > 250 * MB ? figures : undefined;
    }, 20_000, 'the probe to publish the grown heap');
    assert.ok(memory.heapTotal >= memory.heapUsed);
    assert.ok(memory.heapLimit > memory.heapTotal);
    assert.ok(memory.rss > memory.heapUsed);
    assert.equal(memory.mainThreadResponsive, true);
    const spaces = memory.heapSpaces as Array<{ name: string; used: number }>;
    const spacesUsed = spaces.reduce((sum, space) => sum + space.used, 0);
    assert.ok(Math.abs(spacesUsed - memory.heapUsed) < 0.1 * memory.heapUsed, 'the spaces add up to heapUsed');
    const largest = spaces.reduce((a, b) => (a.used > b.used ? a : b));
    assert.ok(largest.used > 200 * MB, `${largest.name} holds the grown arrays`);
    for (const key of ['p50', 'p90', 'p99', 'max']) assert.equal(typeof memory.eventLoop.delaySeconds[key], 'number');
    assert.ok(memory.gc.minor.count > 0 && memory.gc.minor.seconds > 0);
    const metrics = (await request(`${app.url}/metrics`, { token: app.tokens.reader })).body.toString();
    assert.ok(metric(metrics, 'nodejs_heap_size_used_bytes') > 250 * MB);
    assert.ok(metric(metrics, 'nodejs_heap_space_size_used_bytes', `space="${largest.name.replace(/_space$/, '')}"`) > 200 * MB);
    assert.ok(metric(metrics, 'process_resident_memory_bytes') > 250 * MB);
  });

  test('/memory: every event-loop delay figure comes from one histogram state, across the windows\' ends', async () => {
    // The histogram restarts every 10 s: read across two restarts (seen as windowSeconds going down). Live
    // views refresh the figures between full reads: each write must carry every field of one state.
    let restarts = 0;
    let lastWindow = -1;
    let reads = 0;
    await eventually(async () => {
      const memory = (await request(`${app.url}/memory`, { token: app.tokens.reader })).json();
      const d = memory.eventLoop.delaySeconds as Record<string, number>;
      const where = `read ${++reads}: ${JSON.stringify(d)}`;
      assert.ok(d.min! <= d.p50! && d.p50! <= d.p90! && d.p90! <= d.p99! && d.p99! <= d.max!, where);
      if (d.p50! > 0) assert.ok(d.mean! > 0 && d.min! > 0 && d.min! <= d.mean! && d.mean! <= d.max!, where);
      if (d.max === 0) assert.ok(d.mean === 0 && d.p50 === 0 && d.p90 === 0 && d.p99 === 0, where);
      if (d.windowSeconds! < lastWindow) restarts++;
      lastWindow = d.windowSeconds!;
      return restarts >= 2;
    }, 60_000, 'two restarts of the delay histogram');
    assert.ok(reads > 10, `${reads} reads`);
  });

  test('/metrics uses prom-client names and adds the endpoint counters', async () => {
    await request(`${app.url}/nope`, { token: app.tokens.reader });
    const reply = await request(`${app.url}/metrics`, { token: app.tokens.reader });
    assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = reply.body.toString();
    for (const name of ['process_cpu_seconds_total', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_external_memory_bytes', 'nodejs_version_info']) {
      assert.match(text, new RegExp(`^${name}[{ ]`, 'm'), name);
    }
    assert.match(text, /^nodejs_gc_duration_seconds_bucket\{le="0\.001",kind="minor"\} \d+/m);
    assert.ok(metric(text, 'maintenance_endpoint_requests_total', 'route="/memory",status="200"') >= 1);
    assert.ok(metric(text, 'maintenance_endpoint_requests_total', 'route="unmatched",status="404"') >= 1);
    assert.equal(metric(text, 'maintenance_endpoint_operations_in_progress', 'kind="heapsnapshot",thread="0"'), 0);
  });

  test('POST /gc frees old-generation garbage and reports heap before and after; GET is 405', async () => {
    await app.command({ cmd: 'garbage', mb: 100 }, 'garbage');
    const reply = await request(`${app.url}/gc`, { token: app.tokens.heap, method: 'POST' });
    assert.equal(reply.status, 200);
    const result = reply.json();
    assert.ok(result.before.usedSize - result.after.usedSize > 50 * MB, JSON.stringify(result));
    assert.equal(result.freedBytes, result.before.usedSize - result.after.usedSize);
    assert.equal((await request(`${app.url}/gc`, { token: app.tokens.heap })).status, 405);
    assert.equal((await request(`${app.url}/gc`, { token: app.tokens.reader, method: 'POST' })).status, 403);
  });

  test('/report is the app process report with no planted secret; unredacted needs the eval scope', async () => {
    const reply = await request(`${app.url}/report`, { token: app.tokens.reader });
    assert.equal(reply.status, 200);
    const text = reply.body.toString();
    const report = JSON.parse(text);
    assert.equal(report.header.processId, app.child.pid);
    // Where Node supports process.report.excludeEnv (24+), the environment is left out at the source.
    if (report.environmentVariables !== undefined) assert.equal(report.environmentVariables.PLANTED_SECRET, '[REDACTED]');
    for (const secret of ['planted-environment-secret-456', 'planted-argument-secret-123', 'planted-url-password']) {
      assert.ok(!text.includes(secret), `${secret} is not in the report`);
    }
    assert.ok(report.header.commandLine.includes('--api-token=[REDACTED]'));
    assert.equal((await request(`${app.url}/report?redact=false`, { token: app.tokens.reader })).status, 403);
    const unredacted = await request(`${app.url}/report?redact=false`, { token: app.tokens.admin });
    assert.ok(unredacted.body.toString().includes('planted-environment-secret-456'));
  });

  test('while the main thread is blocked, /memory says its figures are stale and /metrics shows the lag', async () => {
    // Far longer than the three missed probe updates plus two requests on a loaded machine: both
    // readings must fall inside the block.
    const { unblocked } = await app.block(15_000);
    let ended = false;
    void unblocked.then(() => (ended = true));
    const memory = await eventually(async () => {
      const figures = (await request(`${app.url}/memory`, { token: app.tokens.reader })).json();
      return figures.ageSeconds > 3 ? figures : undefined;
    }, 12_000, 'three missed probe updates');
    assert.equal(memory.mainThreadResponsive, false);
    const metrics = (await request(`${app.url}/metrics`, { token: app.tokens.reader })).body.toString();
    assert.equal(ended, false, 'both readings came while the loop was still blocked');
    assert.ok(metric(metrics, 'nodejs_eventloop_lag_seconds') > 1, 'the lag of a blocked loop is visible');
    await unblocked;
  });
});

describe('where memory is kept', () => {
  test('/memory/leaks?seconds=N names the function whose allocations survive', async () => {
    const app = await startFixture({ mode: 'worker' });
    try {
      await app.command({ cmd: 'leak', ms: 6000 }, 'started');
      const reply = await request(`${app.url}/memory/leaks?seconds=3`, { token: app.tokens.reader });
      assert.equal(reply.status, 200);
      const { where } = reply.json();
      assert.equal(where.seconds, 3);
      const top = where.sites[0];
      assert.match(top.url, /fixtures\/app\.js$/, 'the top site is in the app, not a builtin');
      assert.ok(top.line > 1 && top.bytes > MB);
      assert.ok(
        top.stack.some((frame: string) => /^allocateFiveMegabytes .*fixtures\/app\.js:\d+$/.test(frame)),
        `the leaking function is on the top site's path: ${top.stack.join(' < ')}`,
      );
      assert.equal((await request(`${app.url}/memory/leaks?seconds=0`, { token: app.tokens.reader })).status, 400);
    } finally {
      await app.stop();
    }
  });
});
