import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLEAN_CLI_ENV, cliSession, runCli } from './helpers/cli.js';

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
    assert.match((await cli(['memory'])).stdout, /^heapUsed +\d/m);
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
    assert.match(run.stderr, /400 from \/ops\/cpuprofile: INVALID_PARAMETER: .*seconds/);
    const unreachable = await cli(['heapsnapshot', '--when', 'heap-above:1000TB']);
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /heap limit/);
  });

});
