import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { CpuProfile, CpuProfileNode } from '../src/operations/cpu-profile.js';
import { redactArguments, redactReport, REDACTED } from '../src/operations/diagnostic-report.js';
import { cpuProfileToPprof } from '../src/operations/pprof/cpu-profile-to-pprof.js';
import { parseDuration, parseSize } from '../src/scheduling/durations.js';
import { parseTrigger } from '../src/scheduling/triggers.js';
import { decodePprof } from './helpers/pprof.js';

/** A random DevTools CPU profile: a tree of named nodes under (root), and samples with time deltas. */
const cpuProfiles = fc
  .array(fc.record({ parent: fc.nat(), name: fc.stringMatching(/^[a-z]{1,8}$/), line: fc.nat(500) }), { minLength: 1, maxLength: 30 })
  .chain((specs) => {
    const nodes: CpuProfileNode[] = [{ id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, children: [] }];
    specs.forEach((spec, index) => {
      const id = index + 2;
      const parent = nodes[spec.parent % nodes.length]!;
      parent.children!.push(id);
      nodes.push({ id, callFrame: { functionName: spec.name, scriptId: '1', url: 'file:///app.js', lineNumber: spec.line, columnNumber: 0 }, children: [] });
    });
    return fc
      .array(fc.record({ node: fc.integer({ min: 2, max: nodes.length }), delta: fc.integer({ min: 1, max: 5000 }) }), { minLength: 1, maxLength: 200 })
      .map((samples): CpuProfile => ({
        nodes,
        startTime: 0,
        endTime: samples.reduce((sum, s) => sum + s.delta, 0),
        samples: samples.map((s) => s.node),
        timeDeltas: samples.map((s) => s.delta),
      }));
  });

describe('properties', () => {
  test('pprof from a CPU profile keeps every sample, all the time, and each stack leaf', () => {
    fc.assert(
      fc.property(cpuProfiles, (profile) => {
        const decoded = decodePprof(cpuProfileToPprof(profile, 1000, Date.now()));
        const counts = decoded.samples.reduce((sum, s) => sum + s.values[0]!, 0);
        const nanos = decoded.samples.reduce((sum, s) => sum + s.values[1]!, 0);
        assert.equal(counts, profile.samples!.length);
        assert.equal(nanos, profile.timeDeltas!.reduce((sum, d) => sum + d, 0) * 1000);
        const leaves = new Set(profile.samples!.map((id) => profile.nodes[id - 1]!.callFrame.functionName));
        for (const sample of decoded.samples) {
          assert.ok(leaves.has(sample.stack[0]!.name));
          assert.ok(sample.stack.every((frame) => frame.name !== '(root)'));
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a delay of 1 s to 24 h schedules exactly that far ahead; anything longer is refused', () => {
    const now = Date.UTC(2030, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 86_400 }), fc.constantFrom('', 's'), (seconds, unit) => {
        const trigger = parseTrigger({ delay: `${seconds}${unit}` }, now);
        assert.deepEqual(trigger, { type: 'at', at: new Date(now + seconds * 1000).toISOString() });
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 86_401, max: 10 ** 9 }), (seconds) => {
        assert.throws(() => parseTrigger({ delay: String(seconds) }, now), { code: 'INVALID_PARAMETER' });
      }),
    );
  });

  test('durations and sizes parse their units and refuse everything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (n) => {
        assert.equal(parseDuration(`${n}m`), n * 60_000);
        assert.equal(parseDuration(`${n}h`), n * 3_600_000);
        assert.equal(parseSize(`${n}MiB`), n * 1024 * 1024);
        assert.equal(parseSize(`${n}GB`), n * 1e9);
      }),
    );
    fc.assert(
      fc.property(fc.string().filter((text) => !/^\s*\d+(\.\d+)?\s*[a-z]*\s*$/i.test(text)), (text) => {
        assert.equal(parseSize(text), undefined);
        assert.equal(parseDuration(text), undefined);
      }),
    );
  });

  test('a credential-named argument never keeps its value in the report', () => {
    const names = fc.constantFrom('password', 'db-password', 'api-key', 'apiKey', 'token', 'auth-token', 'secret', 'CLIENT_SECRET', 'session', 'private-key');
    const values = fc.stringMatching(/^[A-Za-z0-9+/=_.-]{6,40}$/);
    fc.assert(
      fc.property(names, values, (name, value) => {
        const redacted = redactArguments(['node', 'app.js', `--${name}=${value}`, `-${name}=${value}`, `--${name}`, value]);
        assert.deepEqual([redacted[0], redacted[1], redacted[2], redacted[4], redacted[5]], ['node', 'app.js', `--${name}=${REDACTED}`, `--${name}`, REDACTED]);
        assert.ok(!redacted[3]!.includes(value));
      }),
    );
  });

  test('no secret planted anywhere in a command line comes out of the redacted report', () => {
    // Secrets may hold '/', '@', '=', ':' and the like; a marker prefix keeps them from being a number or a file name.
    const secret = fc.stringMatching(/^[A-Za-z0-9+/=_.!#%^*()@:~-]{6,30}$/).map((tail) => `Zq${tail}x`);
    const plainSecret = fc.stringMatching(/^[A-Za-z0-9_.!#%^*()~-]{6,30}$/).map((tail) => `Zq${tail}x`);
    const secretName = fc.constantFrom('password', 'db-password', 'api-key', 'apiKey', 'token', 'secret', 'CLIENT_SECRET', 'pw', 'jwt', 'key', 'passwd', 'credentials', 'sessionId');
    const planted = fc.oneof(
      fc.tuple(secretName, secret).map(([name, value]) => ({ args: [`--${name}=${value}`], value })),
      fc.tuple(secretName, secret).map(([name, value]) => ({ args: [`--${name}`, value], value })),
      secret.map((value) => ({ args: ['-p', value], value })),
      secret.map((value) => ({ args: [`-p${value}`], value })),
      secret.map((value) => ({ args: [value], value })),
      fc.tuple(fc.constantFrom('--user', '-u', '--verbose', '--config'), secret).map(([flag, value]) => ({ args: [flag, value], value })),
      secret.map((value) => ({ args: [`--db=postgres://admin:${value}@db.internal:5432/app`], value })),
      secret.map((value) => ({ args: [`postgres://admin:${value}@db.internal/app`], value })),
      plainSecret.map((value) => ({ args: [`--conn=Server=db.internal;Database=app;User Id=sa;Password=${value};Encrypt=true`], value })),
      plainSecret.map((value) => ({ args: [`--dsn=host=db user=app password=${value} sslmode=require`], value })),
      secret.map((value) => ({ args: [`DB_PASSWORD=${value}`], value })),
      secret.map((value) => ({ args: ['-e', `connect("${value}")`], value })),
      plainSecret.map((value) => ({ args: [`--header=Authorization: Bearer ${value}`], value })),
    );
    const harmless = fc.constantFrom(['--inspect'], ['--max-old-space-size=4096'], ['--port', '8080'], ['--enable-source-maps'], ['-r', './tracing.js']);
    const commandLines = fc.tuple(
      fc.array(fc.oneof(harmless, planted.map((p) => p.args)), { maxLength: 3 }),
      fc.array(planted, { minLength: 1, maxLength: 6 }),
      fc.array(harmless, { maxLength: 3 }),
    );
    fc.assert(
      fc.property(commandLines, ([nodeOptions, plantedArgs, more]) => {
        const argv = ['/usr/local/bin/node', ...nodeOptions.flat(), 'dist/server.js', ...plantedArgs.flatMap((p) => p.args), ...more.flat()];
        const report = redactReport({
          header: { commandLine: argv, execArgv: nodeOptions.flat() },
          environmentVariables: Object.fromEntries(plantedArgs.map((p, i) => [`VAR_${i}`, p.value])),
          // Free text (an error message, a handle's address) is scrubbed of what can be recognised there:
          // secret-named pairs, URL userinfo, bearer credentials.
          javascriptStack: { message: plantedArgs.filter((p) => /[=:]/.test(p.args.join(' ').replace(p.value, ''))).map((p) => p.args.join(' ')).join(' ') },
          workers: [{ header: { commandLine: argv } }],
        });
        const text = JSON.stringify(report);
        for (const { value } of plantedArgs) assert.ok(!text.includes(value), `${value} leaked from ${JSON.stringify(argv)}: ${text}`);
        // The structure stays readable: the executable, the script and harmless options are kept.
        assert.equal(report.header.commandLine[0], '/usr/local/bin/node');
        assert.ok(report.header.commandLine.includes('dist/server.js'));
        for (const option of more.flat()) assert.ok(report.header.commandLine.includes(option), option);
      }),
      { numRuns: 2_000 },
    );
  });

  test('arguments allow-listed by the operator are kept', () => {
    assert.deepEqual(redactArguments(['node', 'app.js', 'worker', 'eu-west-1', 'Zqsecretx'], ['worker', 'eu-west-1']), ['node', 'app.js', 'worker', 'eu-west-1', REDACTED]);
  });
});
