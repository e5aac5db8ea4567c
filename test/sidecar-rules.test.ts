import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLEAN_CLI_ENV, runCli, startSidecar, type Sidecar } from './helpers/cli.js';
import { KEEP_FUNCTION_NAMES, newToken, startFixture, type Fixture } from './helpers/fixture.js';
import { eventuallyEveryHalfSecond, request } from './helpers/http.js';
import type { RuleStatusReply } from './helpers/rule-status.js';

const eventually = eventuallyEveryHalfSecond;

async function rulesOf(sidecar: Sidecar): Promise<{ memoryLimitBytes: number | null; rules: RuleStatusReply[] }> {
  const reply = await request(`${sidecar.url}/rules`, { token: sidecar.token });
  assert.equal(reply.status, 200, reply.body.toString());
  return reply.json();
}

async function ruleStatus(sidecar: Sidecar, name: string): Promise<RuleStatusReply> {
  const rule = (await rulesOf(sidecar)).rules.find((candidate) => candidate.name === name);
  assert.ok(rule, `rule ${name} listed`);
  return rule;
}

/** The rule's status once its artifact is done (ready or failed). */
function firedAndDone(sidecar: Sidecar, name: string): Promise<RuleStatusReply> {
  return eventually(async () => {
    const status = await ruleStatus(sidecar, name);
    return status.firedTotal >= 1 && status.artifacts.length > 0 && status.artifacts.every((artifact) => !['scheduled', 'running'].includes(artifact.status)) ? status : undefined;
  }, 90_000, `${name} to fire and its artifacts to be taken`);
}

/** The audit line of the rule's first firing, with the figure that made it fire. */
function firingLine(sidecar: Sidecar, rule: string): Record<string, any> {
  const lines = readFileSync(join(sidecar.dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
  const fired = lines.find((line) => line.msg === 'rule fired' && line.rule === rule);
  assert.ok(fired, `the firing of ${rule} audited`);
  return fired;
}

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

describe('collection rules in a sidecar: the target\'s heap, resident set and loop, read from outside', () => {
  let app: Fixture;
  let sidecar: Sidecar | undefined;
  let dir: string;
  let rulesFile: string;
  let storeDir: string;
  let memoryLimit: number;
  before(async () => {
    // V8's heap limit is well above the old space's 128 MiB (about 320 MiB on 64-bit Node 24): 80 MiB held passes a fifth of it.
    app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0', '--max-old-space-size=128', ...KEEP_FUNCTION_NAMES] });
    dir = mkdtempSync(join(tmpdir(), 'me-sidecar-rules-'));
    storeDir = join(dir, 'store');
    rulesFile = join(dir, 'rules.json');
    // The limit is four times what the target holds now: 40 % of it is passed once it holds 80 MiB more.
    memoryLimit = 4 * rssOf(app.child.pid!);
    writeFileSync(rulesFile, JSON.stringify([
      { name: 'heap', when: { heapPercentOfLimit: 20 }, do: ['census'] },
      { name: 'rss', when: { rssPercentOfLimit: 40 }, do: ['report'] },
      { name: 'stall', when: { loopBlockedMs: 1000 }, do: ['stack'] },
      // Far below the core busy work takes when it has one (a loaded machine leaves it a fraction), far above an idle target.
      { name: 'cpu', when: { cpuPercent: 12, forSeconds: 2 }, do: ['report'] },
    ]));
    sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`, '--rules-file', rulesFile, '--store-dir', storeDir, '--memory-limit', String(memoryLimit)], { scopes: ['read', 'heap', 'profile'] });
  });
  after(async () => {
    await sidecar?.stop();
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('quiet at start; a 3 s block leaves a stack naming the blocking function, taken during the block, and fires the CPU rule', async () => {
    const quiet = await eventually(async () => {
      const { rules } = await rulesOf(sidecar!);
      return rules.every((rule) => typeof rule.lastReading === 'number') ? rules : undefined;
    }, 30_000, 'a first reading of every rule');
    for (const rule of quiet) assert.equal(rule.firedTotal, 0, JSON.stringify(rule));
    assert.ok((quiet.find((rule) => rule.name === 'heap')!.lastReading as number) < 20, JSON.stringify(quiet));
    assert.ok((quiet.find((rule) => rule.name === 'rss')!.lastReading as number) < 40, JSON.stringify(quiet));
    assert.ok((quiet.find((rule) => rule.name === 'stall')!.lastReading as number) < 1000, JSON.stringify(quiet));
    assert.ok((quiet.find((rule) => rule.name === 'cpu')!.lastReading as number) < 12, JSON.stringify(quiet));
    assert.equal((await rulesOf(sidecar!)).memoryLimitBytes, memoryLimit);

    const { unblocked } = await app.block(3000);
    await unblocked;
    const stall = await firedAndDone(sidecar!, 'stall');
    assert.equal(stall.artifacts[0]!.status, 'ready', JSON.stringify(stall));
    const stack = (await request(`${sidecar!.url}/dumps/${stall.artifacts[0]!.id}/file`, { token: sidecar!.token })).body.toString();
    assert.match(stack, /busyLoop/, 'the stack was taken while the loop was stuck in busyLoop');
    const fired = firingLine(sidecar!, 'stall');
    assert.ok(fired.loopBlockedMs >= 1000 && fired.loopBlockedMs < 3000, JSON.stringify(fired));
    // Busy work's CPU time (the block's, or hot work's until the rule fires), read from the target's /proc/PID/stat.
    const work = await app.work('hot');
    try {
      const cpu = await firedAndDone(sidecar!, 'cpu');
      assert.equal(cpu.artifacts[0]!.status, 'ready', JSON.stringify(cpu));
    } finally {
      await work.rest();
    }
    const cpuFiring = firingLine(sidecar!, 'cpu');
    assert.ok(cpuFiring.cpuPercent >= 12, JSON.stringify(cpuFiring));
  });

  test('80 MiB held: the heap rule leaves a census and the rss rule a report in the store, with trigger rule', async () => {
    await app.command({ cmd: 'grow', mb: 80 }, 'grown');
    const heap = await firedAndDone(sidecar!, 'heap');
    const rss = await firedAndDone(sidecar!, 'rss');
    assert.ok((heap.lastReading as number) >= 20, JSON.stringify(heap));
    assert.ok((rss.lastReading as number) >= 40, JSON.stringify(rss));
    const dumps = (await request(`${sidecar!.url}/dumps`, { token: sidecar!.token })).json();
    const jobs = (Array.isArray(dumps) ? dumps : dumps.dumps) as Array<{ id: string; kind: string; status: string; trigger: { type: string; name?: string } }>;
    const census = jobs.find((job) => job.id === heap.artifacts[0]!.id)!;
    assert.deepEqual([census.kind, census.status, census.trigger], ['census', 'ready', { type: 'rule', name: 'heap' }]);
    const counted = (await request(`${sidecar!.url}/dumps/${census.id}/file`, { token: sidecar!.token })).json() as { byConstructor: Array<{ name: string; count: number }> };
    assert.ok(counted.byConstructor.some((entry) => entry.name === 'Array' && entry.count >= 80), JSON.stringify(counted.byConstructor.slice(0, 5)));
    const report = jobs.find((job) => job.id === rss.artifacts[0]!.id)!;
    assert.deepEqual([report.kind, report.status, report.trigger], ['report', 'ready', { type: 'rule', name: 'rss' }]);
    const body = (await request(`${sidecar!.url}/dumps/${report.id}/file`, { token: sidecar!.token })).json();
    assert.equal(body.header.processId, app.child.pid, 'the report is the target\'s');
    assert.ok(existsSync(join(storeDir, 'rules-state.json')), 'the firings are kept in the store');

    const cli = await runCli(['rules', '--url', sidecar!.url, '--token-file', sidecar!.tokenFile], { env: CLEAN_CLI_ENV });
    assert.equal(cli.code, 0, cli.stderr);
    for (const name of ['heap', 'rss', 'stall', 'cpu']) assert.match(cli.stdout, new RegExp(`\\b${name}\\b`));
  });

  test('restarted on the same store, the sidecar remembers the firings and does not fire again within the limit', async () => {
    await sidecar!.stop();
    sidecar = undefined;
    sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`, '--rules-file', rulesFile, '--store-dir', storeDir, '--memory-limit', String(memoryLimit)]);
    const heap = await eventually(async () => {
      const status = await ruleStatus(sidecar!, 'heap');
      return typeof status.lastReading === 'number' ? status : undefined;
    }, 30_000, 'a reading after the restart');
    assert.ok((heap.lastReading as number) >= 20, 'the condition still holds');
    assert.equal(heap.firedTotal, 1);
    assert.notEqual(heap.lastFiredAt, null);
    // The condition holds, and the limit kept in the store holds it back: counted as suppressed, not fired.
    const held = await eventually(async () => {
      const status = await ruleStatus(sidecar!, 'heap');
      return status.suppressed >= 1 ? status : undefined;
    }, 30_000, 'the limit to hold the rule back');
    assert.equal(held.firedTotal, 1);
    assert.notEqual(held.nextPossibleAt, null);
  });
});

describe('collection rules in a sidecar: refused at start, naming the rule\'s path and why', () => {
  let app: Fixture;
  let dir: string;
  let tokensFile: string;
  before(async () => {
    app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'] });
    dir = mkdtempSync(join(tmpdir(), 'me-sidecar-rules-'));
    tokensFile = join(dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify([{ id: 'ops', token: newToken(), scopes: ['read'] }]), { mode: 0o600 });
  });
  after(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const serveWith = (rules: string, target = `127.0.0.1:${app.inspectorPort}`) => {
    const file = join(dir, `rules-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, rules);
    return { file, run: runCli(['serve', '--target', target, '--port', '0', '--tokens-file', tokensFile, '--rules-file', file], { env: CLEAN_CLI_ENV }) };
  };

  test('conditions only a probe or the app\'s thread can watch: ELU, loop delay, leak, HTTP', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ elu: 0.9 }, /`rules\[0\]\.when\.elu` needs the main-thread probe.*a sidecar has no probe in the target/],
      [{ loopDelayP99Ms: 200 }, /`rules\[0\]\.when\.loopDelayP99Ms` needs the main-thread probe.*a sidecar has no probe/],
      [{ leak: true }, /`rules\[0\]\.when\.leak` needs the main-thread probe.*a sidecar has no probe/],
      [{ httpStatus: '500-599' }, /`rules\[0\]\.when\.httpStatus` counts the app's own HTTP responses.*a sidecar has no HTTP watch in the target/],
    ];
    for (const [when, message] of cases) {
      const { file, run } = serveWith(JSON.stringify([{ name: 'r', when, do: ['report'] }]));
      const result = await run;
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.ok(result.stderr.includes(`Rules file ${file}`), result.stderr);
      assert.equal(result.stdout, '', 'never served');
    }
  });

  test('a rules file that is not JSON, not an array, or with a mistake names the file and the path', async () => {
    // The file's shape is checked before the target is reached (a port nothing listens on is never asked);
    // an action's parameters once the endpoint is built, against the artifact kinds' own declarations.
    const cases: Array<[string, RegExp, string?]> = [
      ['[{ "name": "r", ', /is not valid JSON/, '127.0.0.1:1'],
      ['{ "name": "r" }', /`rules` must be an array of rules/, '127.0.0.1:1'],
      [JSON.stringify([{ name: 'r', when: { cpuPercent: 90, forSecond: 5 }, do: ['report'] }]), /rules\[0\]\.when\.forSecond/, '127.0.0.1:1'],
      // A misspelt key gets the nearest name, as in the `rules` option.
      [JSON.stringify([{ name: 'r', when: { cpuPercent: 90 }, do: ['report'], cooldownSecond: 5 }]), /rules\[0\]\.cooldownSecond: unknown option; did you mean cooldownSeconds\?/, '127.0.0.1:1'],
      [JSON.stringify([{ name: 'r', when: { heapPercentOfLimit: 90 }, do: [{ cpuprofile: { secs: 2 } }] }]), /`rules\[0\]\.do\[0\]\.cpuprofile`: Unknown parameter "secs"/],
    ];
    for (const [text, message, target] of cases) {
      const { file, run } = serveWith(text, target);
      const result = await run;
      assert.equal(result.code, 2, result.stderr);
      assert.ok(result.stderr.includes(`Rules file ${file}`), result.stderr);
      assert.match(result.stderr, message);
    }
    const missing = join(dir, 'no-such-rules.json');
    const result = await runCli(['serve', '--target', '127.0.0.1:1', '--tokens-file', tokensFile, '--rules-file', missing], { env: CLEAN_CLI_ENV });
    assert.equal(result.code, 2, result.stderr);
    assert.ok(result.stderr.includes(`Cannot read rules file ${missing}: ENOENT`), result.stderr);
  });
});

describe('collection rules in a sidecar: a target in another pid namespace', () => {
  let app: Fixture;
  let dir: string;
  before(async () => {
    // As a container's app is: pid 1 of its own namespace, its /proc entry unknown to the sidecar under that pid.
    app = await startFixture({ mode: 'plain', pidNamespace: true, nodeArgs: ['--inspect=127.0.0.1:0'] });
    dir = mkdtempSync(join(tmpdir(), 'me-sidecar-rules-'));
  });
  after(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('rssPercentOfLimit and cpuPercent refuse the start, saying the target\'s /proc is not this sidecar\'s to read', async () => {
    const tokensFile = join(dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify([{ id: 'ops', token: newToken(), scopes: ['read'] }]), { mode: 0o600 });
    for (const when of [{ rssPercentOfLimit: 80 }, { cpuPercent: 90, forSeconds: 5 }]) {
      const file = join(dir, 'rules.json');
      writeFileSync(file, JSON.stringify([{ name: 'r', when, do: ['report'] }]));
      const result = await runCli(['serve', '--target', `127.0.0.1:${app.inspectorPort}`, '--port', '0', '--tokens-file', tokensFile, '--rules-file', file], { env: CLEAN_CLI_ENV });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`\`rules\\[0\\]\\.when\\.${Object.keys(when)[0]}\` reads the target's counters in /proc, which this sidecar cannot: process 1 runs in another pid namespace`));
    }
  });
});
