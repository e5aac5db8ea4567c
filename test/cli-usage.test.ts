import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ProgressBar } from '../src/cli/progress-bar.js';
import { ProgressLine } from '../src/cli/progress-line.js';
import { runCli } from './helpers/cli.js';

/** Every command `help` lists, read from its output rather than kept here. */
async function listedCommands(): Promise<string[]> {
  const help = await runCli(['help']);
  assert.equal(help.code, 0);
  const section = help.stdout.split('Commands:\n')[1]!.split('\n\n')[0]!;
  return section.split('\n').map((line) => line.trim().split(/\s+/)[0]!);
}

const env = { MAINTENANCE_ENDPOINT_TOKEN: '', MAINTENANCE_ENDPOINT_URL: '', MAINTENANCE_ENDPOINT_TOKENS: '' };

describe('CLI: help and usage errors', () => {
  test('the built bin is executable, as npx and npm link expect after every build', () => {
    const root = new URL('../../', import.meta.url);
    const { bin } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { bin: Record<string, string> };
    const file = new URL(bin['maintenance-endpoint']!, root);
    assert.ok((statSync(file).mode & 0o111) === 0o111, `${file.pathname} is mode ${(statSync(file).mode & 0o777).toString(8)}`);
    assert.match(readFileSync(file, 'utf8').split('\n')[0]!, /^#!\/usr\/bin\/env node$/);
  });

  test('--help, -h and help COMMAND print that command usage and exit 0, for every command', async () => {
    const commands = await listedCommands();
    for (const name of ['serve', 'index', 'heapsnapshot', 'cpuprofile', 'heapprofile', 'stack', 'memory', 'leaks', 'gc', 'report', 'metrics', 'dumps']) {
      assert.ok(commands.includes(name), `help lists ${name}`);
    }
    // Every command with --help; the other spellings, which share its code path, on two of them.
    const variants = (name: string) => [[name, '--help'], ...(name === 'serve' || name === 'dumps' ? [['help', name], [name, '-h'], [name, '--url', 'x', '--bogus', '--help']] : [])];
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
