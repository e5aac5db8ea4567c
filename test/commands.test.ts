import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli } from './helpers/cli.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, postJson, request } from './helpers/http.js';

const run = (fixture: Fixture, name: string, parameters?: Record<string, unknown>, token = fixture.tokens.admin) =>
  postJson(`${fixture.url}/commands/${name}`, token, parameters === undefined ? {} : { parameters });

for (const mode of ['worker', 'router'] as const) {
  describe(`app commands, ${mode} mode`, () => {
    let app: Fixture;
    before(async () => {
      app = await startFixture({ mode });
    });
    after(() => app.stop());

    test('GET /commands lists them with their parameters', async () => {
      const reply = await request(`${app.url}/commands`, { token: app.tokens.reader });
      assert.equal(reply.status, 200);
      const commands = reply.json().commands as Array<{ name: string; scope: string; parameters: object }>;
      assert.deepEqual(commands.map((command) => command.name), ['cache-clear', 'flag-set', 'thread', 'fail', 'ping', 'echo', 'quick-timeout']);
      assert.equal(commands.find((command) => command.name === 'cache-clear')!.scope, 'command');
      assert.deepEqual(Object.keys(commands.find((command) => command.name === 'flag-set')!.parameters), ['name', 'value']);
    });

    test("a command runs on the app's main thread and its result comes back", async () => {
      const thread = await run(app, 'thread');
      assert.equal(thread.status, 200, thread.body.toString());
      assert.deepEqual(thread.json().result, { isMainThread: true, threadId: 0, pid: app.child.pid });
      const flags = await run(app, 'flag-set', { name: 'newCheckout', value: true });
      assert.deepEqual(flags.json(), { command: 'flag-set', result: { newCheckout: true, darkMode: true } });
      const state = (await app.command({ cmd: 'globals' }, 'globals')) as { appConfig: { featureFlags: Record<string, boolean> } };
      assert.equal(state.appConfig.featureFlags.newCheckout, true);
    });

    test("a command's error comes back as 500 COMMAND_FAILED with its message and no stack", async () => {
      const reply = await run(app, 'fail');
      assert.equal(reply.status, 500);
      assert.equal(reply.json().error.code, 'COMMAND_FAILED');
      assert.match(reply.json().error.message, /the cache backend is unreachable/);
      assert.doesNotMatch(reply.body.toString(), /\bat \w|app\.js/);
    });

    test('bad parameters get 400 naming the parameter, and nothing runs', async () => {
      for (const [parameters, name] of [
        [{ name: 'newCheckout' }, 'value'],
        [{ name: 'nope', value: true }, 'name'],
        [{ name: 'darkMode', value: 'yes' }, 'value'],
        [{ name: 'darkMode', value: false, extra: 1 }, 'extra'],
      ] as const) {
        const reply = await run(app, 'flag-set', parameters);
        assert.equal(reply.status, 400, JSON.stringify(parameters));
        assert.match(reply.json().error.message, new RegExp(`"${name}"`));
      }
      const notAnObject = await postJson(`${app.url}/commands/flag-set`, app.tokens.admin, { parameters: [1] });
      assert.equal(notAnObject.status, 400);
      const state = (await app.command({ cmd: 'globals' }, 'globals')) as { appConfig: { featureFlags: Record<string, boolean> } };
      assert.equal(state.appConfig.featureFlags.darkMode, true);
    });

    test('scopes: a reader cannot run a command-scoped command; an unknown command is 404', async () => {
      assert.equal((await run(app, 'cache-clear', undefined, app.tokens.reader)).status, 403);
      assert.equal((await run(app, 'thread', undefined, app.tokens.reader)).status, 200);
      assert.equal((await run(app, 'no-such-command')).status, 404);
    });

    test('a command past its limit answers 504 COMMAND_TIMEOUT', async () => {
      const reply = await run(app, 'quick-timeout');
      assert.equal(reply.status, 504);
      assert.equal(reply.json().error.code, 'COMMAND_TIMEOUT');
    });

    test('each run is audited: token, command, parameters, outcome', async () => {
      await run(app, 'cache-clear');
      const line = await eventually(
        async () => app.auditLines().find((entry) => entry.path === '/ops/commands/cache-clear' && entry.status === 200),
        10_000,
        'the audit line of cache-clear',
      );
      assert.equal(line.tokenId, 'admin');
      assert.deepEqual(line.params, { command: 'cache-clear', parameters: {} });
      assert.equal((line.result as { outcome: string }).outcome, 'ok');
    });
  });
}

describe('app commands while the main thread is blocked (worker mode)', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker' });
  });
  after(() => app.stop());

  test('the command waits for the loop: past its limit 504 says why; it runs once the loop turns', async () => {
    assert.deepEqual((await run(app, 'ping')).json().result, 'pong');
    // Far longer than the command's 1 s limit plus a request on a loaded machine: the 504 must come during the block.
    const { unblocked } = await app.block(10_000);
    let ended = false;
    void unblocked.then(() => (ended = true));
    const reply = await run(app, 'ping');
    assert.equal(ended, false, 'answered while the loop was still blocked');
    assert.equal(reply.status, 504);
    assert.match(reply.json().error.message, /event loop may be blocked/);
    await unblocked;
    assert.deepEqual((await run(app, 'ping')).json().result, 'pong');
  });
});

describe('app commands: an app that declares none', () => {
  test('GET /commands is an empty list and the CLI says there are none rather than printing nothing', async () => {
    const app = await startFixture({ mode: 'router', options: { commands: {} } });
    try {
      assert.deepEqual((await request(`${app.url}/commands`, { token: app.tokens.reader })).json().commands, []);
      const listed = await runCli(['command'], { env: { MAINTENANCE_ENDPOINT_URL: app.url, MAINTENANCE_ENDPOINT_TOKEN: app.tokens.reader } });
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(listed.stdout, 'No app commands (the app declares none: the `commands` option).\n');
    } finally {
      await app.stop();
    }
  });
});
