import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KEEP_FUNCTION_NAMES, startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

describe('behaviour the docs describe: Atomics.wait on /stack, at= offsets, unreachable heap-above sizes', () => {
  let app: Fixture;
  before(async () => {
    // A small heap limit, so a size above it is easy to name.
    app = await startFixture({ mode: 'worker', nodeArgs: [...KEEP_FUNCTION_NAMES, '--max-old-space-size=96'] });
  });
  after(() => app.stop());

  test('a main thread blocked in Atomics.wait is `waiting`, with Atomics.wait on top and its caller below', async () => {
    // Far longer than the requests below take even on a loaded machine: they must land inside the wait.
    await app.command({ cmd: 'atomics-wait', ms: 10_000 }, 'waiting');
    const stackNow = async () => (await request(`${app.url}/stack`, { token: app.tokens.admin })).json();
    // The fixture reports just before it calls Atomics.wait: ask until the wait has begun.
    let stack = await stackNow();
    for (let attempt = 0; attempt < 50 && stack.state === 'running'; attempt++) stack = await stackNow();
    assert.equal(stack.state, 'waiting', JSON.stringify(stack));
    assert.equal(stack.frames[0].functionName, 'Atomics.wait');
    assert.equal(stack.frames[1].functionName, 'waitOnAtomics');
    const text = (await request(`${app.url}/stack?format=text`, { token: app.tokens.admin })).body.toString();
    assert.match(text, /blocked in Atomics\.wait/);
    await eventually(async () => (await stackNow()).state !== 'waiting', 20_000, 'the wait to end');
  });

  test('an `at` whose + arrived as a space says to write + as %2B', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19);
    const reply = await request(`${app.url}/heapprofile?at=${soon}+00:00`, { token: app.tokens.admin });
    assert.equal(reply.status, 400);
    assert.match(reply.json().error.message, /write \+ as %2B/);
    const escaped = await request(`${app.url}/heapprofile?at=${soon}%2B00:00`, { token: app.tokens.admin });
    assert.equal(escaped.status, 202);
    assert.equal((await request(`${app.url}/dumps/${escaped.json().id}`, { token: app.tokens.admin, method: 'DELETE' })).status, 204);
  });

  test('heap-above a size at or above the heap limit is refused, naming the limit; below it is accepted', async () => {
    const memory = (await request(`${app.url}/memory`, { token: app.tokens.admin })).json();
    const refused = await request(`${app.url}/heapprofile?when=heap-above:${memory.heapLimit}`, { token: app.tokens.admin });
    assert.equal(refused.status, 400);
    assert.ok(refused.json().error.message.includes(`heap limit (${memory.heapLimit} bytes`), refused.json().error.message);
    assert.equal((await request(`${app.url}/heapprofile?when=heap-above:1.5GB`, { token: app.tokens.admin })).status, 400);
    const accepted = await request(`${app.url}/heapprofile?when=heap-above:${memory.heapLimit - 1}`, { token: app.tokens.admin });
    assert.equal(accepted.status, 202);
    assert.equal((await request(`${app.url}/dumps/${accepted.json().id}`, { token: app.tokens.admin, method: 'DELETE' })).status, 204);
  });
});
