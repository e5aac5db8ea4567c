import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../src/errors.js';
import { resolveRules } from '../src/options/rules-options.js';
import { ruleRequests } from '../src/rules/rule-actions.js';
import { maintenanceRouter } from '../src/router/maintenance-router.js';
import { CLEAN_CLI_ENV, runCli } from './helpers/cli.js';
import { assertNoCredentials, destinations, objectBytes } from './helpers/egress-endpoint.js';
import { S3_ACCESS_KEY_ID } from './helpers/s3-server.js';
import { startEgressSession, type EgressSession } from './helpers/egress-session.js';
import { KEEP_FUNCTION_NAMES, startFixture, type Fixture } from './helpers/fixture.js';
import { eventuallyEveryHalfSecond, openStream, request } from './helpers/http.js';
import type { RuleStatusReply } from './helpers/rule-status.js';

const eventually = eventuallyEveryHalfSecond;

async function ruleStatus(app: Fixture, name: string): Promise<RuleStatusReply> {
  const reply = await request(`${app.url}/rules`, { token: app.tokens.reader });
  assert.equal(reply.status, 200, reply.body.toString());
  const rule = (reply.json().rules as RuleStatusReply[]).find((candidate) => candidate.name === name);
  assert.ok(rule, `rule ${name} listed`);
  return rule;
}

/** The rule's status once it has read its condition at least once. */
function firstReading(app: Fixture, name: string): Promise<RuleStatusReply> {
  return eventually(async () => {
    const status = await ruleStatus(app, name);
    return typeof status.lastReading === 'number' ? status : undefined;
  }, 30_000, `a first reading of ${name}`);
}

async function ruleDumps(app: Fixture, name: string): Promise<Array<{ id: string; kind: string; status: string; trigger: { type: string; name?: string } }>> {
  const reply = await request(`${app.url}/dumps`, { token: app.tokens.admin });
  assert.equal(reply.status, 200, reply.body.toString());
  const body = reply.json();
  const jobs = (Array.isArray(body) ? body : body.dumps) as Array<{ id: string; kind: string; status: string; trigger: { type: string; name?: string } }>;
  return jobs.filter((job) => job.trigger.type === 'rule' && job.trigger.name === name);
}

describe('collection rules: refused at start with the option path named', () => {
  test('an unknown key inside a rule, a condition out of range, two conditions, a bad action', () => {
    const base = { name: 'stall', when: { loopBlockedMs: 1000 }, do: ['stack'] };
    assert.throws(() => resolveRules([{ ...base, extra: 1 }]), (error: Error) => error instanceof ConfigError && error.message.includes('`rules[0].extra`'));
    assert.throws(() => resolveRules([base, { ...base, when: { elu: 1.5 } , name: 'busy' }]), /`rules\[1\]\.when\.elu` must be a number above 0 and below 1/);
    assert.throws(() => resolveRules([{ ...base, when: { elu: 0.9, leak: true } }]), /`rules\[0\]\.when` must give exactly one of .* not elu and leak/);
    assert.throws(() => resolveRules([{ ...base, when: { loopBlockedMs: 1000, forSeconds: 5 } }]), /`rules\[0\]\.when\.forSeconds` is not a known key/);
    assert.throws(() => resolveRules([{ ...base, do: ['stack', 'coredump'] }]), /`rules\[0\]\.do\[1\]` must be one of stack, cpuprofile/);
    assert.throws(() => resolveRules([{ ...base, limit: { count: 1 } }]), /`rules\[0\]\.limit\.perSeconds` must be an integer/);
    assert.throws(() => resolveRules([base, base]), /`rules\[1\]\.name` repeats the name "stall"/);
    assert.throws(() => resolveRules({ name: 'x' }), /`rules` must be an array/);
    assert.throws(() => resolveRules([{ ...base, when: { httpStatus: '500-99' } }]), /`rules\[0\]\.when\.httpStatus` must be a status or a range/);
    assert.throws(() => resolveRules([{ ...base, when: { httpSlowerThanMs: 200, forSeconds: 3 } }]), /`rules\[0\]\.when\.forSeconds` is not a known key; allowed here: httpSlowerThanMs, count, withinSeconds/);
    assert.deepEqual(resolveRules([{ ...base, when: { httpStatus: 503, count: 5 } }])[0]!.when, { type: 'httpStatus', from: 503, to: 503, count: 5, withinSeconds: 60 });
    const rules = resolveRules([{ ...base, do: ['stack', { cpuprofile: { seconds: 2, secs: 3 } }] }]);
    assert.throws(() => ruleRequests(rules, { maxProfileSeconds: 300, memoryLimit: undefined }), /`rules\[0\]\.do\[1\]\.cpuprofile`: Unknown parameter "secs"/);
    const good = resolveRules([{ ...base, do: ['stack', { cpuprofile: { seconds: 2 } }] }]);
    assert.deepEqual(ruleRequests(good, { maxProfileSeconds: 300, memoryLimit: undefined }).get('stall'), [
      { kind: 'stack', params: {} },
      { kind: 'cpuprofile', params: { seconds: 2, interval: 1000, format: 'cpuprofile' } },
    ]);
    assert.deepEqual(good[0]!.limit, { count: 1, perSeconds: 3600 });
  });

  test('a blocked-loop rule, or a stack action, in router mode refuses the start, saying why', () => {
    const tokens = [{ id: 'reader', token: randomBytes(24).toString('base64url'), scopes: ['read' as const] }];
    assert.throws(
      () => maintenanceRouter({ tokens, rules: [{ name: 'stall', when: { loopBlockedMs: 1000 }, do: ['stack'] }] }),
      (error: Error) => error instanceof ConfigError && /`rules\[0\]\.when\.loopBlockedMs` needs the endpoint off the app's main thread/.test(error.message),
    );
    assert.throws(() => maintenanceRouter({ tokens, rules: [{ name: 'cpu', when: { cpuPercent: 90 }, do: [{ heapsnapshot: { gc: 'yes' } }] }] }), /`rules\[0\]\.do\[0\]\.heapsnapshot`/);
    assert.throws(() => maintenanceRouter({ tokens, rules: [{ name: 'cpu', when: { cpuPercent: 90 }, do: ['report', 'stack'] }] }), /`rules\[0\]\.do\[1\]`: a stack is taken from off the app's main thread/);
    // A misspelt key of a rule is caught by the options' name check, with the nearest name.
    const misspelt = { name: 'cpu', when: { cpuPercent: 90 }, do: ['report'], cooldownSecond: 5 } as never;
    assert.throws(() => maintenanceRouter({ tokens, rules: [misspelt] }), (error: Error) => error instanceof ConfigError && /rules\[0\]\.cooldownSecond: unknown option; did you mean cooldownSeconds\?/.test(error.message));
  });
});

describe('collection rules in worker mode: a blocked loop leaves its stack with nobody asking', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({
      mode: 'worker',
      nodeArgs: KEEP_FUNCTION_NAMES,
      options: { rules: [{ name: 'stall', when: { loopBlockedMs: 1000 }, do: ['stack'], cooldownSeconds: 0, limit: { count: 10, perSeconds: 3600 } }] },
    });
  });
  after(() => app.stop());

  test('a 3 s block: the stack is taken during the block and names the blocking function', async () => {
    const blockStarted = Date.now();
    const { unblocked } = await app.block(3000);
    await unblocked;
    const blockEnded = Date.now();
    const [job] = await eventually(async () => {
      const jobs = await ruleDumps(app, 'stall');
      return jobs.length > 0 && jobs.every((candidate) => candidate.status === 'ready') ? jobs : undefined;
    }, 30_000, 'the rule\'s stack in the store');
    assert.equal(job!.kind, 'stack');
    const file = await request(`${app.url}/dumps/${job!.id}/file`, { token: app.tokens.admin });
    assert.equal(file.status, 200);
    const stack = file.json() as { state: string; capturedAt: string; frames: Array<{ functionName: string }> };
    assert.equal(stack.state, 'running', JSON.stringify(stack));
    assert.ok(stack.frames.some((frame) => frame.functionName === 'busyLoop'), JSON.stringify(stack.frames));
    const capturedAt = Date.parse(stack.capturedAt);
    assert.ok(capturedAt >= blockStarted + 1000 && capturedAt <= blockEnded, `taken at ${stack.capturedAt}, within the block (${new Date(blockStarted).toISOString()} to ${new Date(blockEnded).toISOString()})`);
    const status = await ruleStatus(app, 'stall');
    assert.equal(status.firedTotal, 1);
    assert.deepEqual(status.artifacts.map((artifact) => artifact.id), [job!.id]);
    const fired = app.auditLines().find((line) => line.msg === 'rule fired');
    assert.ok(fired, app.auditText());
    assert.equal(fired.rule, 'stall');
    assert.ok((fired.loopBlockedMs as number) >= 1000, JSON.stringify(fired));
    assert.deepEqual(fired.artifacts, [job!.id]);

    // The CLI's `rules` shows the same.
    const dir = mkdtempSync(join(tmpdir(), 'me-rules-cli-'));
    try {
      writeFileSync(join(dir, 'token'), `${app.tokens.reader}\n`, { mode: 0o600 });
      const run = await runCli(['rules', '--url', app.url, '--token-file', join(dir, 'token')], { env: CLEAN_CLI_ENV });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^stall: when loopBlockedMs 1000 \(now \d+\), do stack$/m);
      assert.match(run.stdout, /fired 1 of 10 in 3600s \(1 in all\)/);
      assert.match(run.stdout, new RegExp(`^  ${job!.id}  stack  ready$`, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a stall of the endpoint's own making (its heap snapshot holds the loop) fires nothing, and says so", async () => {
    await app.command({ cmd: 'grow-objects', count: 2_000_000 }, 'grown');
    const firedBefore = (await ruleStatus(app, 'stall')).firedTotal;
    const download = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
    assert.equal(download.statusCode, 200);
    await new Promise<void>((resolve, reject) => download.on('end', resolve).on('error', reject).resume());
    const held = app.auditLines().find((line) => line.msg === "rule held, not fired: the endpoint's own operation held the loop");
    assert.ok(held, `the snapshot's stall was noticed and held back: ${app.auditText()}`);
    assert.equal(held.rule, 'stall');
    assert.deepEqual(held.operations, ['heapsnapshot']);
    assert.ok((held.loopBlockedMs as number) >= 1000, JSON.stringify(held));
    assert.equal((await ruleStatus(app, 'stall')).firedTotal, firedBefore, 'no firing for the snapshot');
    assert.equal((await ruleDumps(app, 'stall')).length, firedBefore);
  });
});

describe('collection rules: a limit of once an hour holds for two stalls and across a restart', () => {
  let storeDir = '';
  const rules = [{ name: 'hourly', when: { loopBlockedMs: 500 }, do: ['stack'], limit: { count: 1, perSeconds: 3600 }, cooldownSeconds: 0 }];
  before(() => {
    storeDir = mkdtempSync(join(tmpdir(), 'me-rules-store-'));
  });
  after(() => {
    if (storeDir !== '') rmSync(storeDir, { recursive: true, force: true });
  });

  test('two stalls, one firing; after a restart with the same store, a third stall still fires nothing', async () => {
    const options = { storeDir, rules };
    let app = await startFixture({ mode: 'worker', options });
    try {
      await (await app.block(2500)).unblocked;
      await eventually(async () => (await ruleDumps(app, 'hourly')).some((job) => job.status === 'ready') || undefined, 30_000, 'the first stall\'s stack');
      await (await app.block(2500)).unblocked;
      await eventually(async () => (await ruleStatus(app, 'hourly')).suppressed >= 1 || undefined, 30_000, 'the second stall held back');
      const status = await ruleStatus(app, 'hourly');
      assert.equal(status.suppressed, 1, 'one stall held back, counted once however long it lasted');
      assert.equal(app.auditLines().filter((line) => line.msg === 'rule held, not fired: limited').length, 1);
      assert.equal(status.firedTotal, 1);
      assert.equal(status.firedInWindow, 1);
      assert.ok(Date.parse(status.nextPossibleAt!) > Date.now() + 3_000_000, `next possible at ${status.nextPossibleAt}`);
      assert.equal((await ruleDumps(app, 'hourly')).length, 1);
    } finally {
      await app.stop();
    }
    app = await startFixture({ mode: 'worker', options });
    try {
      const restored = await ruleStatus(app, 'hourly');
      assert.equal(restored.firedTotal, 1);
      assert.ok(restored.lastFiredAt !== null);
      assert.deepEqual(restored.artifacts.map((artifact) => [artifact.kind, artifact.status]), [['stack', 'ready']], 'the first life\'s stack, still in the store');
      await (await app.block(2500)).unblocked;
      await eventually(async () => (await ruleStatus(app, 'hourly')).suppressed >= 1 || undefined, 30_000, 'the stall after the restart held back');
      assert.equal((await ruleStatus(app, 'hourly')).firedTotal, 1);
      assert.equal((await ruleDumps(app, 'hourly')).length, 1, 'the first life\'s stack is still the only one');
    } finally {
      await app.stop();
    }
  });
});

describe('collection rules: rssPercentOfLimit against memoryLimit', () => {
  let app: Fixture;
  const memoryLimit = 1024 ** 3;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { memoryLimit, rules: [{ name: 'rss', when: { rssPercentOfLimit: 30 }, do: ['report'] }] } });
  });
  after(() => app.stop());

  test('quiet below the threshold, fires once the resident set passes it', async () => {
    const before = await firstReading(app, 'rss');
    assert.ok((before.lastReading as number) < 30, `the app starts below 30% of 1 GiB: ${before.lastReading}`);
    assert.equal(before.firedTotal, 0);
    assert.equal((await request(`${app.url}/rules`, { token: app.tokens.reader })).json().memoryLimitBytes, memoryLimit);
    await app.command({ cmd: 'grow', mb: 400 }, 'grown');
    const fired = await eventually(async () => {
      const status = await ruleStatus(app, 'rss');
      return status.firedTotal === 1 && status.artifacts[0]?.status === 'ready' ? status : undefined;
    }, 60_000, 'the rule to fire');
    assert.ok((fired.lastReading as number) >= 30, String(fired.lastReading));
    const [job] = await ruleDumps(app, 'rss');
    assert.equal(job!.kind, 'report');
    const report = (await request(`${app.url}/dumps/${job!.id}/file`, { token: app.tokens.admin })).json();
    assert.equal(typeof report.header?.processId, 'number');
  });
});

describe('collection rules: the app\'s own HTTP responses, through diagnostics_channel', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({
      mode: 'worker',
      options: {
        rules: [
          { name: 'slow', when: { httpSlowerThanMs: 200, count: 3, withinSeconds: 60 }, do: ['report'] },
          { name: 'errors', when: { httpStatus: '500-599', count: 2, withinSeconds: 60 }, do: ['report'] },
        ],
      },
    });
  });
  after(() => app.stop());

  test('an app with HTTP rules has the channels subscribed; one without none', async () => {
    assert.deepEqual(await app.command({ cmd: 'http-channels' }, 'http-channels'), { event: 'http-channels', requestStart: true, responseFinish: true });
    const plain = await startFixture({ mode: 'worker', options: { rules: [{ name: 'rss', when: { rssPercentOfLimit: 90 }, do: ['report'] }] } });
    try {
      assert.deepEqual(await plain.command({ cmd: 'http-channels' }, 'http-channels'), { event: 'http-channels', requestStart: false, responseFinish: false });
    } finally {
      await plain.stop();
    }
  });

  test('fast responses fire nothing; three slow ones fire the slow rule; two 503s fire the status rule', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await request(app.appUrl)).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await request(`${app.appUrl}status/404`)).status, 404);
    await eventually(async () => {
      const [slow, errors] = await Promise.all([ruleStatus(app, 'slow'), ruleStatus(app, 'errors')]);
      return slow.lastReading === 0 && errors.lastReading === 0 || undefined;
    }, 30_000, 'the rules to have read the fast responses');
    // Read again after a full second of readings: still nothing counted, nothing fired.
    const readAt = Date.now();
    await eventually(async () => Date.now() - readAt > 1500 || undefined, 5000, 'another reading');
    assert.equal((await ruleStatus(app, 'slow')).firedTotal, 0);
    assert.equal((await ruleStatus(app, 'errors')).firedTotal, 0);

    for (let i = 0; i < 2; i++) assert.equal((await request(`${app.appUrl}slow?ms=400`)).status, 200);
    await eventually(async () => (await ruleStatus(app, 'slow')).lastReading === 2 || undefined, 30_000, 'two slow responses counted');
    assert.equal((await ruleStatus(app, 'slow')).firedTotal, 0, 'two of the three needed');
    assert.equal((await request(`${app.appUrl}slow?ms=400`)).status, 200);
    const slow = await eventually(async () => {
      const status = await ruleStatus(app, 'slow');
      return status.firedTotal === 1 ? status : undefined;
    }, 30_000, 'the slow rule to fire');
    assert.equal(slow.lastReading, 3);

    for (let i = 0; i < 2; i++) assert.equal((await request(`${app.appUrl}status/503`)).status, 503);
    await eventually(async () => (await ruleStatus(app, 'errors')).firedTotal === 1 || undefined, 30_000, 'the status rule to fire');
    const fired = app.auditLines().filter((line) => line.msg === 'rule fired').map((line) => line.rule);
    assert.deepEqual(fired, ['slow', 'errors']);
  });
});

describe('collection rules: sustained conditions (CPU, event-loop utilization) held for forSeconds', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({
      mode: 'worker',
      nodeArgs: KEEP_FUNCTION_NAMES,
      options: {
        rules: [
          // Far below the core the hot work takes when it has one: on a loaded machine it gets less (a load of
          // 12 on 2 cores leaves it a sixth), and one second under the threshold starts the two seconds again.
          // Far above what the idle app spends (a few percent), which must not fire it.
          { name: 'hot', when: { cpuPercent: 12, forSeconds: 2 }, do: [{ cpuprofile: { seconds: 1 } }] },
          { name: 'busy', when: { elu: 0.5, forSeconds: 2 }, do: ['stack'] },
        ],
      },
    });
  });
  after(() => app.stop());

  test('idle: nothing fires; hot work for a few seconds: both fire, and the profile names the hot function', async () => {
    const idle = await firstReading(app, 'hot');
    assert.equal(idle.firedTotal, 0);
    const work = await app.work('hot');
    try {
      const [hot] = await eventually(async () => {
        const jobs = await ruleDumps(app, 'hot');
        return jobs.length > 0 && jobs[0]!.status === 'ready' ? jobs : undefined;
      }, 60_000, 'the CPU rule\'s profile').catch(async (error: Error) => {
        throw new Error(`${error.message}; the rule: ${JSON.stringify(await ruleStatus(app, 'hot'))}`);
      });
      await eventually(async () => (await ruleStatus(app, 'busy')).firedTotal === 1 || undefined, 60_000, 'the ELU rule to fire');
      const profile = (await request(`${app.url}/dumps/${hot!.id}/file`, { token: app.tokens.admin })).json() as { nodes: Array<{ callFrame: { functionName: string } }> };
      assert.ok(profile.nodes.some((node) => node.callFrame.functionName === 'hotFunction'), 'the profile names hotFunction');
    } finally {
      await work.rest();
    }
  });
});

describe('collection rules: an action with egress uploads its artifact and leaves nothing in the store', () => {
  let session: EgressSession;
  let app: Fixture;
  before(async () => {
    session = await startEgressSession();
    app = await session.startApp({
      nodeArgs: KEEP_FUNCTION_NAMES,
      options: {
        egress: destinations(session.server),
        dumps: { directory: session.dumpsDirectory },
        rules: [{ name: 'stall', when: { loopBlockedMs: 1000 }, do: [{ stack: { egress: 'offsite' } }] }],
      },
    });
  });
  after(() => session?.stop());

  test('a stall\'s stack lands in the bucket, naming the blocking function', async () => {
    await (await app.block(3000)).unblocked;
    const [job] = await eventually(async () => {
      const jobs = await ruleDumps(app, 'stall');
      return jobs.length > 0 && jobs[0]!.status === 'uploaded' ? jobs : undefined;
    }, 60_000, 'the stack uploaded');
    const uploaded = (await request(`${app.url}/dumps/${job!.id}`, { token: app.tokens.admin })).json();
    assert.equal(uploaded.egress, 'offsite');
    const stack = JSON.parse((await objectBytes(session.s3, uploaded.upload.key)).toString()) as { state: string; frames: Array<{ functionName: string }> };
    assert.equal(stack.state, 'running');
    assert.ok(stack.frames.some((frame) => frame.functionName === 'busyLoop'), JSON.stringify(stack.frames));
    // The rule's listing names the destination, never its credentials.
    const listing = (await request(`${app.url}/rules`, { token: app.tokens.reader })).body.toString();
    assert.deepEqual(JSON.parse(listing).rules[0].do, [{ kind: 'stack', params: {}, egress: 'offsite' }]);
    assertNoCredentials(listing, 'GET /rules');
    assert.ok(!listing.includes(S3_ACCESS_KEY_ID), 'GET /rules holds the access key id');
    assertNoCredentials(app.auditText(), 'the audit log');
  });

  test('an unknown destination is refused at start, naming the action', () => {
    const rules = resolveRules([{ name: 'stall', when: { loopBlockedMs: 1000 }, do: [{ stack: { egress: 'elsewhere' } }] }]);
    assert.throws(() => ruleRequests(rules, { maxProfileSeconds: 300, memoryLimit: undefined }, {}), /`rules\[0\]\.do\[0\]\.stack\.egress` names no destination of the `egress` option \(none is configured\)/);
  });
});

describe('collection rules: heapPercentOfLimit against V8\'s heap limit, with a census', () => {
  let app: Fixture;
  before(async () => {
    // V8's heap limit is well above the old space's 128 MiB (young generation and margins; about 320 MiB on 64-bit Node 24).
    app = await startFixture({ mode: 'worker', nodeArgs: ['--max-old-space-size=128'], options: { rules: [{ name: 'heap', when: { heapPercentOfLimit: 20 }, do: ['census'] }] } });
  });
  after(() => app.stop());

  test('quiet at start; past a fifth of the heap limit, the census counts what filled it', async () => {
    const quiet = await firstReading(app, 'heap');
    assert.ok((quiet.lastReading as number) < 20, String(quiet.lastReading));
    assert.equal(quiet.firedTotal, 0);
    // 80 MiB of arrays held for good: past a fifth of the heap limit.
    await app.command({ cmd: 'grow', mb: 80 }, 'grown');
    const [job] = await eventually(async () => {
      const jobs = await ruleDumps(app, 'heap');
      return jobs.length > 0 && !['scheduled', 'running'].includes(jobs[0]!.status) ? jobs : undefined;
    }, 60_000, 'the census taken');
    assert.equal(job!.kind, 'census');
    assert.equal(job!.status, 'ready', JSON.stringify(job));
    const census = (await request(`${app.url}/dumps/${job!.id}/file`, { token: app.tokens.admin })).json() as { objects: number; byConstructor: Array<{ name: string; count: number }> };
    const arrays = census.byConstructor.find((entry) => entry.name === 'Array');
    assert.ok(arrays !== undefined && arrays.count >= 80, JSON.stringify(census.byConstructor.slice(0, 5)));
    assert.ok((await ruleStatus(app, 'heap')).lastReading as number >= 20);
  });
});

describe('collection rules in router mode: the rules run on the app\'s thread', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'router', options: { rules: [{ name: 'errors', when: { httpStatus: 503, count: 2, withinSeconds: 60 }, do: ['report'] }] } });
  });
  after(() => app.stop());

  test('two 503s of the app fire the rule and leave a report', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await request(`${app.appUrl}status/503`)).status, 503);
    const [report] = await eventually(async () => {
      const found = await ruleDumps(app, 'errors');
      return found.length === 1 && found[0]!.status === 'ready' ? found : undefined;
    }, 60_000, 'the report');
    assert.equal(report!.kind, 'report');
    assert.equal(typeof (await request(`${app.url}/dumps/${report!.id}/file`, { token: app.tokens.admin })).json().header.processId, 'number');
  });
});
