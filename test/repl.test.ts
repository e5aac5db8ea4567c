import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { REPLServer } from 'node:repl';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startRepl } from '../src/cli/repl-command.js';
import { CLI, runCli } from './helpers/cli.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually } from './helpers/http.js';

/** What the tab key would offer for `line`: node:repl's own completer, as the REPL calls it. */
function complete(server: REPLServer, line: string): Promise<unknown> {
  return new Promise((resolve, reject) => server.completer(line, (error, result) => (error ? reject(error) : resolve(result))));
}

describe('maintenance-endpoint repl and command', () => {
  let app: Fixture;
  let home: string;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { eval: { enabled: true } } });
    home = mkdtempSync(join(tmpdir(), 'me-repl-home-'));
  });
  after(async () => {
    await app.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** A REPL on streams: what it prints, and a way to type a line. */
  function openRepl(historyFile: string) {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const server: REPLServer = startRepl({ url: app.url, token: app.tokens.admin, input, output, terminal: false, historyFile });
    return {
      server,
      printed: () => printed,
      async type(line: string, expected: RegExp) {
        const before = printed.length;
        input.write(`${line}\n`);
        return eventually(async () => expected.test(printed.slice(before)) && printed.slice(before), 20_000, `the REPL to print ${expected}`);
      },
      close: () => new Promise((resolve) => {
        server.once('exit', resolve);
        input.end();
      }),
    };
  }

  test('evaluates, continues an incomplete line, completes a property, keeps history', async () => {
    const historyFile = join(home, 'history-in-process');
    const session = openRepl(historyFile);
    assert.match(await session.type('1 + 2', /3/), /3/);
    assert.match(await session.type('appConfig.region', /eu-west-1/), /'?"?eu-west-1/);
    // An open bracket waits for the next line (node:repl's Recoverable), then evaluates the whole. The
    // continuation prompt is '...' up to Node 22 and '|' from Node 24 on.
    await session.type('[appConfig.featureFlags.darkMode,', /(\.\.\.|\|) ?$/m);
    assert.match(await session.type("'second line']", /\[/), /\[ true, 'second line' \]/);
    assert.match(await session.type('appConfig.region = "x"', /SIDE_EFFECT/), /422 SIDE_EFFECT/);
    assert.match(await session.type('.sideeffects on', /Side effects/), /stay off: 403/);

    const completed = await complete(session.server, 'appConfig.feat');
    assert.deepEqual(completed, [['appConfig.featureFlags'], 'appConfig.feat']);
    const globals = await complete(session.server, 'appCa');
    assert.deepEqual(globals, [['appCache'], 'appCa']);
    await session.close();

    const lines = readFileSync(historyFile, 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(lines.slice(0, 2), ['1 + 2', 'appConfig.region']);
    assert.equal(statSync(historyFile).mode & 0o777, 0o600);
    const again = openRepl(historyFile);
    assert.equal((again.server as unknown as { history: string[] }).history.at(-1), '1 + 2');
    await again.close();
  });

  test('piped lines are evaluated one after another, in order; process.memoryUsage() is read-only and allowed', async () => {
    // A home of its own: the history test below reads what its own session kept.
    const pipedHome = join(home, 'piped');
    mkdirSync(pipedHome);
    const child = spawn(process.execPath, [CLI, 'repl', '--url', app.url], {
      env: { ...process.env, HOME: pipedHome, MAINTENANCE_ENDPOINT_TOKEN: app.tokens.admin },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // All at once, as from a file or a heredoc; the input ends without .exit.
    child.stdin.end(['1 + 1', '2 + 2', '3 + 3', 'process.memoryUsage().heapUsed', 'process.memoryUsage.rss()', 'process.memoryUsage()', 'appConfig.region = "x"', '"last"', ''].join('\n'));
    assert.equal(await exited, 0);
    assert.doesNotMatch(stdout, /409|OPERATION_IN_PROGRESS/, stdout);
    const answers = stdout.split('\n').map((line) => line.replace(/^(app> )+/, '')).filter((line) => line !== '');
    assert.deepEqual(answers.slice(0, 3), ['2', '4', '6'], stdout);
    assert.ok(Number(answers[3]) > 0 && Number(answers[4]) > 0, `process.memoryUsage().heapUsed and process.memoryUsage.rss() answer numbers: ${stdout}`);
    assert.match(stdout, /rss: \d+/, 'process.memoryUsage() answers its figures');
    assert.match(stdout, /422 SIDE_EFFECT[^]*'last'|422 SIDE_EFFECT[^]*"last"/, 'a write is still refused, and the lines after it still run');
  });

  test('repl checks at start that its token has the eval scope', async () => {
    const run = await runCli(['repl', '--url', app.url], { env: { MAINTENANCE_ENDPOINT_TOKEN: app.tokens.reader } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /The token "reader" lacks the eval scope \(it has read\)/);
    assert.doesNotMatch(run.stdout, /app>/, 'no prompt');
  });

  test('the CLI: repl keeps its history in $HOME (0600), command lists and runs', async () => {
    const child = spawn(process.execPath, [CLI, 'repl', '--url', app.url], {
      env: { ...process.env, HOME: home, MAINTENANCE_ENDPOINT_TOKEN: app.tokens.admin },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stdin.write('6 * 7\n');
    await eventually(async () => stdout.includes('42'), 20_000, 'the answer');
    child.stdin.end('.exit\n');
    assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0);
    const history = join(home, '.maintenance-endpoint_repl_history');
    assert.deepEqual(readFileSync(history, 'utf8').split('\n').filter(Boolean), ['6 * 7']);
    assert.equal(statSync(history).mode & 0o777, 0o600);

    const env = { MAINTENANCE_ENDPOINT_TOKEN: app.tokens.admin };
    const listing = await runCli(['command', '--url', app.url], { env });
    assert.equal(listing.code, 0, listing.stderr);
    assert.match(listing.stdout, /^flag-set {2}Turn a feature flag on or off\./m);
    const flip = await runCli(['command', 'flag-set', '--param', 'name=darkMode', '--param', 'value=false', '--url', app.url], { env });
    assert.equal(flip.code, 0, flip.stderr);
    assert.deepEqual(JSON.parse(flip.stdout), { newCheckout: false, darkMode: false });
    const bad = await runCli(['command', 'flag-set', '--param', 'name=nope', '--param', 'value=true', '--url', app.url], { env });
    assert.equal(bad.code, 2, 'a parameter the endpoint refused is a usage error');
    assert.match(bad.stderr, /400 INVALID_PARAMETER: Command parameter "name"/);
  });
});
