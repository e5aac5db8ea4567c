import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ProgressBar } from '../src/cli/progress-bar.js';
import { ProgressLine } from '../src/cli/progress-line.js';
import { runCli, type CliRun } from './helpers/cli.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

/** Every command `help` lists, read from its output rather than kept here. */
async function listedCommands(): Promise<string[]> {
  const help = await runCli(['help']);
  assert.equal(help.code, 0);
  const section = help.stdout.split('Commands:\n')[1]!.split('\n\n')[0]!;
  return section.split('\n').map((line) => line.trim().split(/\s+/)[0]!);
}

const env = { MAINTENANCE_ENDPOINT_TOKEN: '', MAINTENANCE_ENDPOINT_URL: '', MAINTENANCE_ENDPOINT_TOKENS: '' };

describe('CLI: help and usage errors', () => {
  test('--help, -h and help COMMAND print that command usage and exit 0, for every command', async () => {
    const commands = await listedCommands();
    for (const name of ['serve', 'index', 'heapsnapshot', 'cpuprofile', 'heapprofile', 'stack', 'memory', 'leaks', 'gc', 'report', 'metrics', 'dumps']) {
      assert.ok(commands.includes(name), `help lists ${name}`);
    }
    const variants = (name: string) => [[name, '--help'], ['help', name], ...(name === 'serve' || name === 'dumps' ? [[name, '-h'], [name, '--url', 'x', '--bogus', '--help']] : [])];
    for (const name of commands) {
      for (const args of variants(name)) {
        const run = await runCli(args, { env });
        assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stdout, new RegExp(`^Usage: maintenance-endpoint ${name}\\b`), args.join(' '));
        assert.match(run.stdout, /--help/);
        assert.equal(run.stderr, '');
      }
    }
  });

  test('no command is a usage error; help documents the exit codes', async () => {
    const none = await runCli([], { env });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Commands:/);
    assert.match((await runCli(['help'])).stdout, /Exit status: 0 done; 1 the operation failed.*\n2 a usage error/s);
    const unknown = await runCli(['snapshot'], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "snapshot"/);
  });

  test('an unknown option names the option and shows the command usage', async () => {
    const run = await runCli(['heapsnapshot', '--url', 'http://127.0.0.1:1/ops', '--sconds', '5'], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /heapsnapshot: unknown option --sconds\./);
    assert.match(run.stderr, /Usage: maintenance-endpoint heapsnapshot/);
    const missing = await runCli(['stack', '--url'], { env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /option --url needs a value/);
  });

  test('--token is refused with where tokens go instead, and the token is not echoed', async () => {
    for (const args of [['stack', '--token', 'sekrit-token-value'], ['heapsnapshot', '--token=sekrit-token-value']]) {
      const run = await runCli(args, { env });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /tokens never go on the command line \(ps shows them\): use --token-file FILE or MAINTENANCE_ENDPOINT_TOKEN/);
      assert.doesNotMatch(run.stderr, /sekrit/);
    }
  });

  test('missing --url or token are usage errors that say what to pass', async () => {
    const noUrl = await runCli(['memory'], { env });
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /--url BASE is required \(or set MAINTENANCE_ENDPOINT_URL\)/);
    const noToken = await runCli(['memory', '--url', 'http://127.0.0.1:1/ops'], { env });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /No token: .*--token-file FILE or MAINTENANCE_ENDPOINT_TOKEN/);
  });

  test('serve without tokens names --tokens-file and MAINTENANCE_ENDPOINT_TOKENS, not library options', async () => {
    const run = await runCli(['serve', '--target', '127.0.0.1:1'], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--tokens-file FILE/);
    assert.match(run.stderr, /MAINTENANCE_ENDPOINT_TOKENS/);
    assert.doesNotMatch(run.stderr, /tokensFile|`tokens`/);
  });
});

describe('CLI against a running endpoint (worker mode)', () => {
  let app: Fixture;
  let dir: string;
  let tokenFile: string;
  const cli = (args: string[]): Promise<CliRun> => runCli([...args, '--url', app.url, '--token-file', tokenFile], { cwd: dir, env });
  const json = (run: CliRun) => {
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout);
  };

  before(async () => {
    app = await startFixture({ mode: 'worker' });
    dir = mkdtempSync(join(tmpdir(), 'me-cli-'));
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${app.tokens.admin}\n`, { mode: 0o600 });
  });
  after(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a URL without the base path gets a 404 that suggests --url http://HOST:PORT/ops', async () => {
    const origin = new URL(app.url).origin;
    const run = await runCli(['memory', '--url', origin, '--token-file', tokenFile], { env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^maintenance-endpoint: 404 /);
    assert.ok(run.stderr.includes(`--url ${origin}/ops`), run.stderr);
    assert.ok(run.stderr.includes(`GET ${origin}/ops/`), run.stderr);
  });

  test('index, memory, leaks, gc, report and stack print JSON with --json, text without', async () => {
    const index = json(await cli(['index', '--json']));
    assert.equal(index.pid, app.child.pid);
    assert.match((await cli(['index'])).stdout, /GET \/ops\/heapsnapshot +heap/);
    assert.ok(json(await cli(['memory', '--json'])).heapUsed > 0);
    assert.match((await cli(['memory'])).stdout, /^heapUsed +\d/m);
    assert.ok('leakSuspected' in json(await cli(['leaks', '--json'])));
    const gc = json(await cli(['gc', '--json']));
    assert.ok(gc.before.usedSize > 0 && gc.freedBytes >= 0);
    assert.match((await cli(['gc'])).stdout, /^Freed .* in [\d.]+ ms: heap used /);
    const report = json(await cli(['report', '--json']));
    assert.equal(report.header.processId, app.child.pid);
    const stack = json(await cli(['stack', '--json']));
    assert.ok(['idle', 'running'].includes(stack.state));
    assert.match((await cli(['stack'])).stdout, new RegExp(`^Main thread of process ${app.child.pid} `));
    const metrics = await cli(['metrics']);
    assert.equal(metrics.code, 0);
    assert.match(metrics.stdout, /^nodejs_heap_size_used_bytes \d+/m);
  });

  test('leaks --seconds samples where retained memory is allocated, saying so while it waits', async () => {
    const allocating = app.command({ cmd: 'allocate', ms: 2500 }, 'allocated');
    const run = await cli(['leaks', '--seconds', '2', '--json']);
    await allocating;
    assert.equal(json(run).where.seconds, 2);
    assert.match(run.stderr, /^leaks: sampling for 2 s\.\.\.$/m, 'a plain line when stderr is not a terminal');
  });

  test('heapsnapshot: a whole snapshot, and a byte count of the file, not of the gzipped transfer', async () => {
    const run = await cli(['heapsnapshot', '-o', 'app.heapsnapshot', '--json']);
    const result = json(run);
    const size = statSync(join(dir, 'app.heapsnapshot')).size;
    assert.deepEqual(Object.keys(result).sort(), ['bytes', 'file', 'wireBytes']);
    assert.equal(result.bytes, size);
    assert.ok(result.wireBytes > 0 && result.wireBytes < size, 'gzip on the wire, decoded into the file');
    assertWholeSnapshotWithPlantedObjects(readFileSync(join(dir, 'app.heapsnapshot')));
    assert.match(run.stderr, /heapsnapshot: wrote app\.heapsnapshot, [\d.]+ MiB \([\d.]+ (KiB|MiB) transferred, gzip\)/);
    const plain = await cli(['heapsnapshot']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout.trim(), /^[^/\n]+\.heapsnapshot$/, 'stdout names the file the endpoint suggested');
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.partial')), []);
  });

  test('cpuprofile and heapprofile write what they are asked for, announcing the wait', async () => {
    const hot = app.command({ cmd: 'hot', ms: 2000 }, 'cool');
    const cpu = await cli(['cpuprofile', '--seconds', '1', '-o', 'app.cpuprofile']);
    await hot;
    assert.equal(cpu.code, 0, cpu.stderr);
    assert.equal(cpu.stdout, 'app.cpuprofile\n');
    assert.match(cpu.stderr, /^cpuprofile: sampling for 1 s\.\.\.$/m);
    assert.ok(JSON.parse(readFileSync(join(dir, 'app.cpuprofile'), 'utf8')).nodes.length > 0);
    const heap = json(await cli(['heapprofile', '--seconds', '1', '--format', 'pprof', '-o', 'heap.pb.gz', '--json']));
    assert.equal(heap.file, 'heap.pb.gz');
    assert.ok(decodePprof(readFileSync(join(dir, 'heap.pb.gz'))).sampleTypes.length > 0);
  });

  test('a parameter the endpoint refuses is a usage error with its message', async () => {
    const run = await cli(['cpuprofile', '--seconds', '0']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /400 from \/ops\/cpuprofile: INVALID_PARAMETER: .*seconds/);
    const unreachable = await cli(['heapsnapshot', '--when', 'heap-above:1000TB']);
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /heap limit/);
  });

  test('scheduling: --delay answers with the job id and how to fetch it; dumps list, get, download, delete', async () => {
    const scheduled = await cli(['heapsnapshot', '--delay', '1s']);
    assert.equal(scheduled.code, 0, scheduled.stderr);
    const id = /^Scheduled heapsnapshot (\S+): at /.exec(scheduled.stdout)?.[1];
    assert.ok(id, scheduled.stdout);
    assert.ok(scheduled.stdout.includes(`maintenance-endpoint dumps download ${id} --url ${app.url}`));
    await eventually(async () => json(await cli(['dumps', 'get', id, '--json'])).status === 'ready', 30_000, 'the dump to be ready');
    assert.ok(json(await cli(['dumps', '--json'])).dumps.some((job: { id: string }) => job.id === id));
    assert.match((await cli(['dumps', 'list'])).stdout, new RegExp(`^${id} +heapsnapshot +ready `, 'm'));
    const download = json(await cli(['dumps', 'download', id, '-o', 'scheduled.heapsnapshot', '--json']));
    assert.equal(download.bytes, statSync(join(dir, 'scheduled.heapsnapshot')).size);
    assertWholeSnapshotWithPlantedObjects(readFileSync(join(dir, 'scheduled.heapsnapshot')));
    assert.deepEqual(json(await cli(['dumps', 'delete', id, '--json'])), { id, deleted: true });
    const gone = await cli(['dumps', 'get', id]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404 /);
    assert.doesNotMatch(gone.stderr, /base path/, 'a missing dump is not a wrong URL');
  });

  test('--at with a +hh:mm offset reaches the endpoint intact; --when with --expires; --json gives the job', async () => {
    const at = new Date(Date.now() + 3_600_000);
    const local = `${at.toISOString().slice(0, 19).replace(/T(\d\d)/, (_m, h) => `T${String((Number(h) + 1) % 24).padStart(2, '0')}`)}+01:00`;
    const job = json(await cli(['cpuprofile', '--at', local, '--seconds', '1', '--json']));
    assert.equal(job.status, 'scheduled');
    assert.equal(Date.parse(job.trigger.at), Date.parse(local));
    const gcJob = json(await cli(['heapprofile', '--when', 'heap-above:80%', '--expires', '1h', '--json']));
    assert.equal(gcJob.trigger.ratio, 0.8);
    for (const id of [job.id, gcJob.id]) assert.equal((await cli(['dumps', 'delete', id])).code, 0);
  });

  test('dumps usage mistakes are usage errors', async () => {
    assert.equal((await cli(['dumps', 'get'])).code, 2);
    assert.equal((await cli(['dumps', 'frobnicate', 'x'])).code, 2);
    assert.equal((await cli(['dumps', 'get', 'a', 'b'])).code, 2);
  });
});

describe('CLI progress', () => {
  const terminal = () => {
    const writes: string[] = [];
    return { stream: { isTTY: true, write: (text: string) => writes.push(text) }, writes };
  };

  test('a timed wait counts down on a terminal, then clears its line', () => {
    const { stream, writes } = terminal();
    let now = 1_000_000;
    const line = new ProgressLine('cpuprofile: sampling', 10, { stream, now: () => now });
    assert.equal(line.text(), 'cpuprofile: sampling: 10 s left of 10 s');
    now += 3_000;
    assert.equal(line.text(), 'cpuprofile: sampling: 7 s left of 10 s');
    now += 8_000;
    assert.match(line.text(), /finishing \(11 s\)/);
    line.stop();
    assert.equal(writes.at(-1), '\r\x1b[K');
    const open = new ProgressLine('heapsnapshot: waiting for V8', undefined, { stream, now: () => now });
    now += 2_000;
    assert.equal(open.text(), 'heapsnapshot: waiting for V8: 2 s elapsed');
    open.stop();
  });

  test('a plain single line when not on a terminal', () => {
    const writes: string[] = [];
    new ProgressLine('leaks: sampling', 5, { stream: { isTTY: false, write: (text: string) => writes.push(text) } }).stop();
    assert.deepEqual(writes, ['leaks: sampling for 5 s...\n']);
  });

  test('a download counts file bytes and wire bytes apart', () => {
    const { stream } = terminal();
    const bar = new ProgressBar('heapsnapshot -> x', stream);
    bar.received(1024 * 1024, true);
    bar.written(4 * 1024 * 1024);
    assert.equal(bar.describeBytes(), '4.0 MiB (1.0 MiB transferred, gzip)');
    const plain = new ProgressBar('cpuprofile -> y', stream);
    plain.received(2048, false);
    plain.written(2048);
    assert.equal(plain.describeBytes(), '2.0 KiB');
  });
});
