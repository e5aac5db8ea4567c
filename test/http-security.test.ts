import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { newToken, startFixture, type Fixture, type Mode } from './helpers/fixture.js';
import { request } from './helpers/http.js';

function assertJsonError(reply: { status: number; body: Buffer; json(): any }, status: number, code: string): void {
  assert.equal(reply.status, status);
  const { error } = reply.json();
  assert.equal(error.code, code);
  assert.equal(typeof error.message, 'string');
  assert.doesNotMatch(reply.body.toString(), /\s+at\s+\S+\s+\(|node:internal|\/src\//, 'no stack trace or internals');
}

/** Sends `text` as is on a fresh connection and resolves with everything the server answers. */
function rawExchange(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

for (const mode of ['worker', 'router'] as Mode[]) {
  describe(`authentication, routing and headers (${mode} mode)`, () => {
    let app: Fixture;
    before(async () => {
      app = await startFixture({ mode, options: { allowedHosts: ['ops.example.internal'] } });
    });
    after(() => app.stop());

    test('no token, an unknown token or a malformed header: 401 with WWW-Authenticate', async () => {
      const variants: Array<Record<string, string>> = [{}, { authorization: `Bearer ${newToken()}` }, { authorization: `Basic ${app.tokens.admin}` }, { authorization: 'Bearer' }];
      for (const headers of variants) {
        const reply = await request(`${app.url}/`, { headers });
        assertJsonError(reply, 401, 'UNAUTHORIZED');
        assert.match(String(reply.headers['www-authenticate']), /^Bearer/);
      }
    });

    test('a token without the route scope: 403; with it: 200', async () => {
      assertJsonError(await request(`${app.url}/heapsnapshot`, { token: app.tokens.reader }), 403, 'FORBIDDEN');
      assertJsonError(await request(`${app.url}/`, { token: app.tokens.heap }), 403, 'FORBIDDEN');
      const index = await request(`${app.url}/`, { token: app.tokens.reader });
      assert.equal(index.status, 200);
      const body = index.json();
      assert.equal(body.name, 'maintenance-endpoint');
      assert.equal(body.pid, app.child.pid);
      assert.equal(body.mode, mode);
      const snapshot = body.endpoints.find((endpoint: { path: string }) => endpoint.path === '/ops/heapsnapshot');
      assert.deepEqual([snapshot.method, snapshot.scope], ['GET', 'heap']);
      assert.equal(typeof snapshot.description, 'string');
    });

    test('other methods on an operation path: 401 before auth, 405 with Allow after, and nothing runs', async () => {
      for (const method of ['HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH']) {
        const anonymous = await request(`${app.url}/heapsnapshot`, { method });
        assert.equal(anonymous.status, 401, method);
        const reply = await request(`${app.url}/heapsnapshot`, { method, token: app.tokens.admin });
        assert.equal(reply.status, 405, method);
        assert.equal(reply.headers.allow, 'GET');
        if (method !== 'HEAD') assert.equal(reply.json().error.code, 'METHOD_NOT_ALLOWED');
      }
      const ran = app.auditLines().filter((line) => line.path === '/ops/heapsnapshot' && line.status === 200);
      assert.equal(ran.length, 0, 'no snapshot was taken');
    });

    test('OPTIONS is authenticated like every method, on the base, the index and the console paths', async () => {
      const { pathname } = new URL(app.url);
      for (const path of [pathname, `${pathname}/`, `${pathname}/console`, `${pathname}/console/assets/console.js`]) {
        const reply = await request(new URL(path, app.url).href, { method: 'OPTIONS' });
        assertJsonError(reply, 401, 'UNAUTHORIZED');
        assert.equal(reply.headers.allow, undefined, `${path} tells no anonymous caller its methods`);
      }
    });

    test('a header block past 16 KiB: 431, and the endpoint answers the next request', async () => {
      const { host, pathname } = new URL(app.url);
      const raw = await rawExchange(app.url, `GET ${pathname}/ HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\nConnection: close\r\n\r\n`);
      assert.match(raw, /^HTTP\/1\.1 431 /);
      assert.equal((await request(`${app.url}/`, { token: app.tokens.reader })).status, 200);
    });

    test('routing is case-sensitive and strict about trailing slashes; unknown paths are 404 only after auth', async () => {
      for (const path of ['/HEAPSNAPSHOT', '/heapsnapshot/', '/nope', '/heapsnapshot/x']) {
        assert.equal((await request(`${app.url}${path}`)).status, 401, path);
        assertJsonError(await request(`${app.url}${path}`, { token: app.tokens.admin }), 404, 'NOT_FOUND');
      }
    });

    test('every response carries helmet headers and Cache-Control: no-store, errors included', async () => {
      for (const reply of [await request(`${app.url}/`, { token: app.tokens.reader }), await request(`${app.url}/nope`)]) {
        assert.equal(reply.headers['cache-control'], 'no-store');
        assert.equal(reply.headers['x-content-type-options'], 'nosniff');
        assert.match(String(reply.headers['content-security-policy']), /default-src 'none'/);
        assert.equal(reply.headers['x-powered-by'], undefined);
      }
    });

    test('a Host header that does not name the endpoint is refused (DNS rebinding); configured names pass', async () => {
      const port = new URL(app.url).port;
      assertJsonError(
        await request(`${app.url}/`, { token: app.tokens.reader, headers: { host: `attacker.example:${port}` } }),
        421,
        'HOST_NOT_ALLOWED',
      );
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'ops.example.internal', `ops.example.internal:${port}`]) {
        assert.equal((await request(`${app.url}/`, { token: app.tokens.reader, headers: { host } })).status, 200, host);
      }
    });

    test('two Authorization headers (the valid one first) or two Host headers: 400', async () => {
      const twoTokens = await request(`${app.url}/`, { headers: { authorization: [`Bearer ${app.tokens.reader}`, `Bearer ${newToken()}`] as unknown as string } });
      assertJsonError(twoTokens, 400, 'DUPLICATE_HEADER');
      // node:http refuses to send two Host headers: write the request by hand.
      const { host, pathname } = new URL(app.url);
      const raw = await rawExchange(app.url, `GET ${pathname}/ HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\nAuthorization: Bearer ${app.tokens.reader}\r\nConnection: close\r\n\r\n`);
      assert.match(raw, /^HTTP\/1\.1 400 /);
      assert.match(raw, /"code":"DUPLICATE_HEADER"/);
    });

    test('a malformed percent-encoding is a plain JSON 404, not a stack', async () => {
      assertJsonError(await request(`${app.url}/%E0%A4%A`, { token: app.tokens.admin }), 404, 'NOT_FOUND');
    });
  });
}

describe('rate limits', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({
      mode: 'worker',
      options: { rateLimit: { authFailures: { limit: 3 }, heavy: { limit: 2 }, all: { limit: 40 } } },
    });
  });
  after(() => app.stop());

  test('failed attempts are limited per client; a valid token from the same address is never locked out', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await request(`${app.url}/`, { token: newToken() })).status, 401);
    for (const headers of [{ authorization: `Bearer ${newToken()}` }, {}] as Array<Record<string, string>>) {
      const locked = await request(`${app.url}/`, { headers });
      assertJsonError(locked, 429, 'RATE_LIMITED');
      // One wait figure: the message, Retry-After and the RateLimit header agree.
      const seconds = Number(/retry in (\d+) s/.exec(locked.json().error.message)?.[1]);
      assert.equal(String(locked.headers['retry-after']), String(seconds));
      assert.match(String(locked.headers.ratelimit), new RegExp(`reset=${seconds}$`));
    }
    // Everyone behind one tunnel shares 127.0.0.1: a guesser there must not lock the operator out.
    assert.equal((await request(`${app.url}/`, { token: app.tokens.reader })).status, 200);
    assert.equal((await request(`${app.url}/`, { token: app.tokens.admin })).status, 200);
  });
});

describe('heavy limit', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { rateLimit: { heavy: { limit: 2 } } } });
  });
  after(() => app.stop());

  test('counts aborted requests, not 400s; the refusal names the same wait as Retry-After', async () => {
    const { openStream } = await import('./helpers/http.js');
    const aborted = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
    aborted.destroy();
    // Typos cost nothing: a malformed parameter did no heavy work.
    for (let i = 0; i < 5; i++) assertJsonError(await request(`${app.url}/heapsnapshot?exposeInternals=maybe`, { token: app.tokens.heap }), 400, 'INVALID_PARAMETER');
    assert.equal((await request(`${app.url}/heapsnapshot?delay=1h`, { token: app.tokens.heap })).status, 202);
    const refused = await request(`${app.url}/heapsnapshot?delay=1h`, { token: app.tokens.heap });
    assertJsonError(refused, 429, 'RATE_LIMITED');
    assert.equal(String(refused.headers['retry-after']), /retry in (\d+) s/.exec(refused.json().error.message)?.[1]);
    assert.equal((await request(`${app.url}/`, { token: app.tokens.reader })).status, 200);
    assert.doesNotMatch(app.auditText(), /ERR_ERL_/, 'express-rate-limit found no configuration problem');
  });
});

describe('trust proxy', () => {
  const limits = { rateLimit: { authFailures: { limit: 2 } } };

  test('off by default: a rotating X-Forwarded-For does not escape the limits', async () => {
    const app = await startFixture({ mode: 'worker', options: limits });
    try {
      for (let i = 0; i < 2; i++) {
        assert.equal((await request(`${app.url}/`, { token: newToken(), headers: { 'x-forwarded-for': `203.0.113.${i}` } })).status, 401);
      }
      const reply = await request(`${app.url}/`, { token: newToken(), headers: { 'x-forwarded-for': '203.0.113.99' } });
      assertJsonError(reply, 429, 'RATE_LIMITED');
      assert.doesNotMatch(app.auditText(), /ERR_ERL_/);
    } finally {
      await app.stop();
    }
  });

  test('when configured for a proxy, clients behind it are told apart', async () => {
    const app = await startFixture({ mode: 'worker', options: { ...limits, trustProxy: 'loopback' } });
    try {
      for (let i = 0; i < 2; i++) {
        assert.equal((await request(`${app.url}/`, { token: newToken(), headers: { 'x-forwarded-for': '203.0.113.1' } })).status, 401);
      }
      assert.equal((await request(`${app.url}/`, { token: newToken(), headers: { 'x-forwarded-for': '203.0.113.1' } })).status, 429);
      assert.equal((await request(`${app.url}/`, { token: app.tokens.reader, headers: { 'x-forwarded-for': '203.0.113.2' } })).status, 200);
      assert.doesNotMatch(app.auditText(), /ERR_ERL_/);
    } finally {
      await app.stop();
    }
  });
});

describe('outside the base path', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker' });
  });
  after(() => app.stop());

  test('is a JSON 404 with the same headers', async () => {
    const root = new URL(app.url).origin;
    const reply = await request(`${root}/anything`);
    assertJsonError(reply, 404, 'NOT_FOUND');
    assert.equal(reply.headers['cache-control'], 'no-store');
  });
});
