import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { request } from './helpers/http.js';

/**
 * Path and scheduling parameters are declared with their routes and checked by the dispatcher, before
 * the heavy rate limit is spent and before the handler: a bad value is a 400 naming the parameter.
 */
describe('declared path and scheduling parameters', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { rateLimit: { heavy: { limit: 2 } } } });
  });
  after(async () => {
    await app.stop();
  });

  test('bad scheduling values are refused before the heavy limit: with the limit spent, still 400 naming the parameter, not 429', async () => {
    for (let i = 0; i < 2; i++) {
      const scheduled = await request(`${app.url}/heapsnapshot?delay=1h`, { token: app.tokens.admin });
      assert.equal(scheduled.status, 202);
      assert.equal((await request(`${app.url}/dumps/${scheduled.json().id}`, { token: app.tokens.admin, method: 'DELETE' })).status, 204);
    }
    assert.equal((await request(`${app.url}/heapsnapshot?delay=1h`, { token: app.tokens.admin })).status, 429, 'the heavy limit is spent');
    const soon = (ms: number) => encodeURIComponent(new Date(Date.now() + ms).toISOString());
    const cases: Array<[string, string, string]> = [
      ['delay=abc', 'INVALID_PARAMETER', '"delay"'],
      ['delay=25h', 'INVALID_PARAMETER', '"delay"'],
      [`at=${soon(-60_000)}`, 'INVALID_PARAMETER', '"at"'],
      ['at=2026-01-31T03:00:00 01:00', 'INVALID_PARAMETER', '%2B'],
      ['when=heap-above:lots', 'INVALID_PARAMETER', '"when"'],
      ['when=heap-above:150%25', 'INVALID_PARAMETER', '"when"'],
      ['when=gc&expires=-1m', 'INVALID_PARAMETER', '"expires"'],
      ['delay=5s&expires=1m', 'INVALID_PARAMETER', '"expires"'],
      ['delay=5s&when=gc', 'CONFLICTING_TRIGGERS', 'delay and when'],
      ['when=near-heap-limit&egress=nowhere', 'INVALID_PARAMETER', '"egress"'],
      // Past the heap's limit, which this target's probe knows: it could never fire.
      ['when=heap-above:1TB', 'INVALID_PARAMETER', 'heap limit'],
    ];
    for (const [query, code, named] of cases) {
      const reply = await request(`${app.url}/heapsnapshot?${query.replace(' ', '%20')}`, { token: app.tokens.admin });
      assert.equal(reply.status, 400, `${query}: ${reply.body.toString()}`);
      assert.equal(reply.json().error.code, code, query);
      assert.ok(reply.json().error.message.includes(named), `${query}: ${reply.json().error.message}`);
      if (code === 'INVALID_PARAMETER') assert.match(reply.json().error.message, /^Query parameter "\w+" [a-z]/, query);
    }
    const profile = await request(`${app.url}/cpuprofile?when=near-heap-limit`, { token: app.tokens.admin });
    assert.equal(profile.status, 400);
    assert.match(profile.json().error.message, /heap snapshot only/);
  });

  test("a dump id that is not one is a 400 naming id, on every /dumps/{id} route; a well-formed unknown one is 404", async () => {
    for (const [method, path] of [['GET', '/dumps/x.heapsnapshot'], ['GET', '/dumps/..%2F..%2Fetc%2Fpasswd/file'], ['DELETE', '/dumps/not-an-id'], ['GET', '/dumps/AAAA/file']] as const) {
      const reply = await request(`${app.url}${path}`, { token: app.tokens.admin, method });
      assert.equal(reply.status, 400, `${method} ${path}`);
      assert.equal(reply.json().error.code, 'INVALID_PARAMETER');
      assert.match(reply.json().error.message, /^Path parameter "id" must be a dump's id/);
    }
    for (const [method, path] of [['GET', '/dumps/AAAAAAAAAAAAAAAAAAAAAA'], ['GET', '/dumps/AAAAAAAAAAAAAAAAAAAAAA/file'], ['DELETE', '/dumps/AAAAAAAAAAAAAAAAAAAAAA']] as const) {
      assert.equal((await request(`${app.url}${path}`, { token: app.tokens.admin, method })).status, 404, `${method} ${path}`);
    }
  });

  test('the index describes the path parameters', async () => {
    const index = (await request(`${app.url}/`, { token: app.tokens.admin })).json();
    const dump = index.endpoints.find((endpoint: { method: string; path: string }) => endpoint.method === 'GET' && endpoint.path.endsWith('/dumps/:id'));
    assert.match(dump.pathParams.id, /22 base64url characters/);
  });
});
