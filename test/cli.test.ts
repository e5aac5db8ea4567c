import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLEAN_CLI_ENV, cliSession, runCli } from './helpers/cli.js';
import { requestAuditLine, type Fixture } from './helpers/fixture.js';

const env = CLEAN_CLI_ENV;

describe('CLI against a running endpoint (worker mode)', () => {
  const session = cliSession();
  const { cli, json } = session;

  test('a URL without the base path gets a 404 that suggests --url http://HOST:PORT/ops', async () => {
    const origin = new URL(session.app.url).origin;
    const run = await runCli(['memory', '--url', origin, '--token-file', session.tokenFile], { env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^maintenance-endpoint: 404 /);
    assert.ok(run.stderr.includes(`--url ${origin}/ops`), run.stderr);
    assert.ok(run.stderr.includes(`GET ${origin}/ops/`), run.stderr);
  });

  test('index, memory, leaks, gc, report and stack print JSON with --json, text without', async () => {
    const index = json(await cli(['index', '--json']));
    assert.equal(index.pid, session.app.child.pid);
    assert.match((await cli(['index'])).stdout, /GET \/ops\/heapsnapshot +heap/);
    assert.ok(json(await cli(['memory', '--json'])).heapUsed > 0);
    const memory = (await cli(['memory'])).stdout;
    assert.match(memory, /^heap +[\d.]+ MiB used of [\d.]+ MiB limit \([\d.]+%\)/m);
    assert.ok(memory.trim().split('\n').length <= 12, `a summary a person reads:\n${memory}`);
    // One unit for every size: no raw byte counts beside humanised ones, no KiB beside MiB.
    assert.doesNotMatch(memory, /\d{5,}|KiB|GiB|\bB\b/, memory);
    assert.match(memory, /^event loop +delay p50 [\d.]+ ms, p99 [\d.]+ ms/m);
    assert.ok('leakSuspected' in json(await cli(['leaks', '--json'])));
    const gc = json(await cli(['gc', '--json']));
    assert.ok(gc.before.usedSize > 0 && gc.freedBytes >= 0);
    assert.match((await cli(['gc'])).stdout, /^Freed .* in [\d.]+ ms: heap used /);
    const report = json(await cli(['report', '--json']));
    assert.equal(report.header.processId, session.app.child.pid);
    const stack = json(await cli(['stack', '--json']));
    assert.ok(['idle', 'running'].includes(stack.state));
    assert.match((await cli(['stack'])).stdout, new RegExp(`^Main thread of process ${session.app.child.pid} `));
    const metrics = await cli(['metrics']);
    assert.equal(metrics.code, 0);
    assert.match(metrics.stdout, /^nodejs_heap_size_used_bytes \d+/m);
  });

  test('leaks --seconds samples where retained memory is allocated, saying so while it waits', async () => {
    await session.app.command({ cmd: 'work', work: 'allocate' }, 'working');
    const run = await cli(['leaks', '--seconds', '2', '--json']);
    await session.app.command({ cmd: 'rest' }, 'rested');
    assert.equal(json(run).where.seconds, 2);
    assert.match(run.stderr, /^leaks: sampling for 2 s\.\.\.$/m, 'a plain line when stderr is not a terminal');
  });

  test('a parameter the endpoint refuses is a usage error with its message', async () => {
    const run = await cli(['cpuprofile', '--seconds', '0']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /cpuprofile --seconds 0: INVALID_PARAMETER: .*"seconds" must be an integer from 1 to 300/);
    const unreachable = await cli(['heapsnapshot', '--when', 'heap-above:1000TB']);
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /heap limit/);
  });


  test("a value beyond the endpoint's limit fails at once, before any progress line, with exit 2", async () => {
    const run = await cli(['cpuprofile', '--seconds', '99999']);
    assert.equal(run.code, 2, run.stderr);
    assert.doesNotMatch(run.stderr, /sampling/);
    assert.match(run.stderr, /--seconds 99999: .*from 1 to 300/);
    const leaks = await cli(['leaks', '--seconds', '2', '--types', 'everything']);
    assert.equal(leaks.code, 2, leaks.stderr);
    assert.doesNotMatch(leaks.stderr, /sampling/);
    assert.match(leaks.stderr, /--types everything: .*one of none, count/);
  });

  test('leaks reaches every parameter of /memory/leaks: --confirm, --types count', async () => {
    const earlier = auditCount(session, '/ops/memory/leaks');
    const confirmed = await cli(['leaks', '--confirm', '--json']);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.match(confirmed.stderr, /^leaks: confirming\.\.\.$/m);
    assert.equal((await auditedParams(session, '/ops/memory/leaks', earlier + 1)).confirm, true);
    const counted = json(await cli(['leaks', '--seconds', '1', '--types', 'count', '--json']));
    assert.ok(Array.isArray(counted.where.types), JSON.stringify(counted.where));
  });

  test('heapprofile --include collected reaches the endpoint', async () => {
    const earlier = auditCount(session, '/ops/heapprofile');
    const run = await cli(['heapprofile', '--seconds', '1', '--include', 'collected', '-o', 'churn.heapprofile', '--json']);
    assert.equal(json(run).file, 'churn.heapprofile');
    assert.equal((await auditedParams(session, '/ops/heapprofile', earlier + 1)).include, 'collected');
  });

  test("command exits 2 when the endpoint refuses a parameter (400), as README says, and 1 when the command fails", async () => {
    const refused = await cli(['command', 'flag-set', '--param', 'name=noSuchFlag', '--param', 'value=true']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^maintenance-endpoint: 400 /);
    const failed = await cli(['command', 'fail']);
    assert.equal(failed.code, 1, failed.stderr);
  });

  test("whoami names the token and its scopes", async () => {
    assert.deepEqual(json(await cli(['whoami', '--json'])), { tokenId: 'admin', scopes: ['read', 'heap', 'heap-raw', 'profile', 'eval', 'command'] });
  });
});

/** How many requests to `path` have finished so far: the next one's audit line is the next count's. */
function auditCount(session: { app: Pick<Fixture, 'auditLines'> }, path: string): number {
  return session.app.auditLines().filter((line) => line.path === path && line.event === undefined).length;
}

/** The parameters the audit line of the `count`-th request to `path` records. */
async function auditedParams(session: { app: Pick<Fixture, 'auditLines'> }, path: string, count: number): Promise<Record<string, unknown>> {
  return (await requestAuditLine(session.app, path, count)).params as Record<string, unknown>;
}
