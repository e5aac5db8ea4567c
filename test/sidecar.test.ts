import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CpuProfile } from '../src/operations/cpu-profile.js';
import { CLEAN_CLI_ENV, freePort, runCli, startSidecar, type Sidecar } from './helpers/cli.js';
import { KEEP_FUNCTION_NAMES, newToken, startFixture, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually, openStream, readAll, request } from './helpers/http.js';

describe('sidecar for a process started with --inspect', () => {
  let app: Fixture;
  let sidecar: Sidecar;
  before(async () => {
    app = await startFixture({ mode: 'plain', nodeArgs: [...KEEP_FUNCTION_NAMES, '--inspect=127.0.0.1:0'] });
    sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`]);
  });
  after(async () => {
    await sidecar.stop();
    await app.stop();
  });

  test('the index names the target process, not the sidecar', async () => {
    const index = (await request(`${sidecar.url}/`, { token: sidecar.token })).json();
    assert.equal(index.pid, app.child.pid);
    assert.equal(index.mode, 'sidecar');
    assert.equal((await request(`${sidecar.url}/`)).status, 401, 'the same authentication');
  });

  test('a streamed snapshot of the target parses whole; a second one meanwhile gets 409', async () => {
    const first = await openStream(`${sidecar.url}/heapsnapshot`, sidecar.token);
    const second = await request(`${sidecar.url}/heapsnapshot`, { token: sidecar.token });
    assert.equal(second.status, 409);
    assertWholeSnapshotWithPlantedObjects(await readAll(first));
  });

  test('GET /heapsnapshot/analysis: the sidecar analyzes the target snapshot as it streams by and answers the report', async () => {
    const response = await request(`${sidecar.url}/heapsnapshot/analysis?top=10000`, { token: sidecar.token });
    assert.equal(response.status, 200, response.body.toString());
    const report = response.json();
    assert.deepEqual(Object.keys(report).sort(), ['classes', 'collections', 'duplicateStrings', 'snapshot', 'suspects']);
    assert.equal(report.classes.find((c: { name: string }) => c.name === 'PlantedMarker')?.count, 1000, 'the fixture plants 1000 PlantedMarker');
    // globalThis.planted: a dictionary key, redacted to its length (7) and a label, as in a download.
    const held = report.collections.find((c: { entries: number; path: string }) => c.entries === 1000 && /> Array "<redacted:len=7:[0-9a-f]+>"$/.test(c.path));
    assert.ok(held, `the Array of the planted objects is among the collections, by its path: ${JSON.stringify(report.collections.slice(0, 5))}`);
    assert.ok(report.snapshot.nodes > 10_000 && report.snapshot.bytes > 1_000_000);
    // The operation's closing audit line is written once the response has finished, which the client may see first.
    const finished = await eventually(async () => {
      const lines = readFileSync(join(sidecar.dir, 'audit.log'), 'utf8').split('\n').filter((line) => line.includes('/heapsnapshot/analysis'));
      return lines.filter((line) => line.includes('"redacted":')).at(-1);
    }, 20_000, 'the closing audit line');
    assert.match(finished, /"redacted":true/, 'analyzed redacted, as a download would be');
    const raw = await request(`${sidecar.url}/heapsnapshot/analysis?redact=false`, { token: sidecar.token });
    assert.equal(raw.status, 403, 'redact=false needs heap-raw, as for the download');
    const bad = await request(`${sidecar.url}/heapsnapshot/analysis?top=0`, { token: sidecar.token });
    assert.equal(bad.status, 400);
  });

  test('CPU profiles show the hot function; /stack names a blocked loop; GC works remotely', async () => {
    const hot = await app.work('hot');
    const cpu = (await request(`${sidecar.url}/cpuprofile?seconds=2`, { token: sidecar.token })).json<CpuProfile>();
    await hot.rest();
    assert.ok(cpu.nodes.some((node) => node.callFrame.functionName === 'hotFunction'));
    // Far longer than a request takes even on a loaded machine: /stack must land inside the block.
    const { unblocked } = await app.block(10_000);
    let ended = false;
    void unblocked.then(() => (ended = true));
    const stack = (await request(`${sidecar.url}/stack`, { token: sidecar.token })).json();
    assert.equal(ended, false, 'answered while the loop was still blocked');
    assert.equal(stack.frames[0].functionName, 'busyLoop');
    assert.equal(stack.pid, app.child.pid);
    await unblocked;
    const gc = await request(`${sidecar.url}/gc`, { token: sidecar.token, method: 'POST' });
    assert.equal(gc.status, 200);
    assert.ok(gc.json().before.usedSize > 0);
  });

  test('figures only an in-app probe has are said to be unavailable, not replaced by the sidecar own', async () => {
    const memory = (await request(`${sidecar.url}/memory`, { token: sidecar.token })).json();
    assert.equal(memory.source, 'inspector');
    assert.equal(memory.gc, null);
    assert.deepEqual(memory.unavailable.fields, ['gc', 'eventLoop']);
    assert.ok(memory.heapUsed > 0);
    const leaks = await request(`${sidecar.url}/memory/leaks`, { token: sidecar.token });
    assert.equal(leaks.status, 501);
    assert.equal(leaks.json().error.code, 'NO_PROBE');
    // Said as what is missing (a verdict), not as memory figures, which /memory just read.
    assert.match(leaks.json().error.message, /^No leak verdict here/);
    assert.doesNotMatch(leaks.json().error.message, /memory figures/);
    const metrics = (await request(`${sidecar.url}/metrics`, { token: sidecar.token })).body.toString();
    assert.doesNotMatch(metrics, /^process_resident_memory_bytes /m, "the sidecar's own RSS is not passed off as the target's");
    assert.doesNotMatch(metrics, /^nodejs_heap_size_used_bytes /m);
    assert.doesNotMatch(metrics, /nodejs_gc_duration_seconds/, 'no GC histogram without a probe to fill it, not even its HELP');
  });

  test('the CLI writes artifacts to files and prints the stack and memory', async () => {
    const env = {};
    const snapshot = await runCli(['heapsnapshot', '--url', sidecar.url, '--token-file', sidecar.tokenFile, '-o', 'app.heapsnapshot'], { cwd: sidecar.dir, env });
    assert.equal(snapshot.code, 0, snapshot.stderr);
    assertWholeSnapshotWithPlantedObjects(readFileSync(join(sidecar.dir, 'app.heapsnapshot')));
    const profile = await runCli(['cpuprofile', '--url', sidecar.url, '--token-file', sidecar.tokenFile, '--seconds', '1'], { cwd: sidecar.dir });
    assert.equal(profile.code, 0, profile.stderr);
    const written = profile.stdout.trim();
    // The target's pid, not the sidecar's: the file says which process it profiled.
    assert.match(written, new RegExp(`-${app.child.pid}-\\d{8}T\\d{6}Z\\.cpuprofile$`), 'named by the server after the target');
    assert.ok((JSON.parse(readFileSync(join(sidecar.dir, written), 'utf8')) as CpuProfile).samples!.length > 0);
    const stack = await runCli(['stack', '--url', sidecar.url], { env: { MAINTENANCE_ENDPOINT_TOKEN: sidecar.token } });
    assert.equal(stack.code, 0, stack.stderr);
    assert.match(stack.stdout, new RegExp(`^Main thread of process ${app.child.pid} `));
    assert.deepEqual(readdirSync(sidecar.dir).filter((name) => name.endsWith('.partial')), []);
  });

  test('the CLI fails clearly, with a non-zero status and the server message', async () => {
    const noToken = await runCli(['heapsnapshot', '--url', sidecar.url], { env: { MAINTENANCE_ENDPOINT_TOKEN: '' } });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /No token/);
    const wrong = await runCli(['cpuprofile', '--url', sidecar.url, '--seconds', '0'], { env: { MAINTENANCE_ENDPOINT_TOKEN: sidecar.token }, cwd: sidecar.dir });
    assert.equal(wrong.code, 2, 'a parameter the endpoint refuses is a usage error');
    // Checked against the limit the endpoint declares, in the endpoint's own words, before anything is sent.
    assert.match(wrong.stderr, /cpuprofile --seconds 0: INVALID_PARAMETER: Query parameter "seconds" must be an integer from 1 to 300/);
    const denied = await runCli(['stack', '--url', sidecar.url], { env: { MAINTENANCE_ENDPOINT_TOKEN: 'x'.repeat(30) } });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /401 from \/ops\/stack: UNAUTHORIZED/);
  });
});

describe('sidecar attached by pid', () => {
  test('opens the inspector of a process started without one, serves it, and closes it again on exit', async () => {
    const inspectPort = await freePort();
    const app = await startFixture({ mode: 'plain', nodeArgs: [`--inspect-port=127.0.0.1:${inspectPort}`] });
    let sidecar: Sidecar | undefined;
    try {
      sidecar = await startSidecar(['--pid', String(app.child.pid), '--inspect-port', String(inspectPort)]);
      const reply = await request(`${sidecar.url}/heapsnapshot`, { token: sidecar.token });
      assert.equal(reply.status, 200);
      assertWholeSnapshotWithPlantedObjects(reply.body);
      await sidecar.stop();
      sidecar = undefined;
      await eventually(async () => (await request(`http://127.0.0.1:${inspectPort}/json/version`).then(() => false, () => true)), 5000, 'the inspector to close');
    } finally {
      await sidecar?.stop();
      await app.stop();
    }
  });
});

describe('sidecar when the target goes away', () => {
  test('a download cut by the target dying fails cleanly, 503 follows, and a restarted target is picked up', async () => {
    const port = await freePort();
    const nodeArgs = [`--inspect=127.0.0.1:${port}`];
    let app = await startFixture({ mode: 'plain', nodeArgs });
    const sidecar = await startSidecar(['--target', `127.0.0.1:${port}`, '--follow-restarts']);
    try {
      // Enough objects that the download lasts seconds, long enough to be cut while it runs.
      await app.command({ cmd: 'grow-objects', count: 1_000_000 }, 'grown');
      const cli = runCli(['heapsnapshot', '--url', sidecar.url, '--token-file', sidecar.tokenFile, '-o', 'cut.heapsnapshot'], { cwd: sidecar.dir });
      await eventually(async () => existsSync(join(sidecar.dir, 'cut.heapsnapshot.partial')), 90_000, 'the download to start');
      app.child.kill('SIGKILL');
      const result = await cli;
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Download of cut\.heapsnapshot failed: .*nothing was kept/);
      assert.equal(existsSync(join(sidecar.dir, 'cut.heapsnapshot.partial')), false);
      assert.equal(existsSync(join(sidecar.dir, 'cut.heapsnapshot')), false);

      const gone = await request(`${sidecar.url}/stack`, { token: sidecar.token });
      assert.equal(gone.status, 503);
      assert.equal(gone.json().error.code, 'TARGET_UNAVAILABLE');

      await app.stop();
      app = await startFixture({ mode: 'plain', nodeArgs });
      const back = await eventually(async () => {
        const reply = await request(`${sidecar.url}/`, { token: sidecar.token });
        return reply.status === 200 ? reply.json<{ pid: number }>() : undefined;
      }, 10_000, 'the sidecar to reconnect');
      assert.equal(back.pid, app.child.pid);
      const connected = auditLines(sidecar).filter((line) => line.msg === 'target connected').map((line) => line.targetPid);
      assert.deepEqual(connected.slice(-1), [app.child.pid], "the last 'target connected' line names the process it reached");
    } finally {
      await sidecar.stop();
      await app.stop();
    }
  });

  test('without --follow-restarts, another process that takes the port later is refused, never served', async () => {
    const port = await freePort();
    const nodeArgs = [`--inspect=127.0.0.1:${port}`];
    let app = await startFixture({ mode: 'plain', nodeArgs });
    const served = app.child.pid;
    const sidecar = await startSidecar(['--target', `127.0.0.1:${port}`]);
    try {
      assert.deepEqual(
        auditLines(sidecar).filter((line) => line.msg === 'target connected').map((line) => line.targetPid),
        [served],
        "'target connected' names the pid",
      );
      await app.stop();
      app = await startFixture({ mode: 'plain', nodeArgs });
      const refused = await eventually(async () => auditLines(sidecar).find((line) => line.msg === 'target refused'), 20_000, 'the new process to be refused');
      assert.equal(refused.targetPid, app.child.pid);
      const reply = await request(`${sidecar.url}/`, { token: sidecar.token });
      assert.equal(reply.status, 503);
      assert.match(reply.json().error.message, new RegExp(`now belongs to process ${app.child.pid}, not process ${served}.*--follow-restarts`));
    } finally {
      await sidecar.stop();
      await app.stop();
    }
  });
});

describe('sidecar by pid on a taken port', () => {
  test('a port something else holds: the target is never signalled, and the advice is --target with --inspect=PORT', async () => {
    // Not an inspector: it accepts a connection and drops it (so that its close() need not wait for any).
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const app = await startFixture({ mode: 'plain', nodeArgs: [`--inspect-port=127.0.0.1:${taken}`] });
    const dir = mkdtempSync(join(tmpdir(), 'me-sidecar-pid-'));
    try {
      const tokensFile = join(dir, 'tokens.json');
      writeFileSync(tokensFile, JSON.stringify([{ id: 'ops', token: newToken(), scopes: ['read'] }]), { mode: 0o600 });
      const run = await runCli(['serve', '--pid', String(app.child.pid), '--inspect-port', String(taken), '--tokens-file', tokensFile, '--port', '0'], { env: CLEAN_CLI_ENV });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`Port ${taken} on 127\\.0\\.0\\.1 is taken by something other than an inspector, so process ${app.child.pid} was not signalled`));
      assert.match(run.stderr, /--inspect=127\.0\.0\.1:PORT .*--target 127\.0\.0\.1:PORT/);
      assert.doesNotMatch(run.stderr, /pass --inspect-port/);
      // A signal would have had the app try its inspector and log the taken address; a round trip to it
      // after the CLI ended is later than that would have been.
      await app.command({ cmd: 'globals' }, 'globals');
      assert.doesNotMatch(app.stderr(), /inspector|address already in use/i);
    } finally {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

/** The sidecar's JSON log lines so far. */
function auditLines(sidecar: Sidecar): Array<Record<string, any>> {
  const path = join(sidecar.dir, 'audit.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
}
