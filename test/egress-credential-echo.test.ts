import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture, type Mode } from './helpers/fixture.js';
import { request } from './helpers/http.js';

/**
 * Credentials from the AWS SDK's default chain, not from the endpoint's options (the environment, or a
 * shared credentials file, which only the SDK reads), and an object store whose error message quotes
 * what it was sent (an unknown key id, the session token): neither the 502 answer nor the audit log may
 * relay them. Redaction goes by value, whatever the credentials' source.
 */

const ACCESS_KEY_ID = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const SECRET_ACCESS_KEY = randomBytes(30).toString('base64url');
const SESSION_TOKEN = `IQoJb3JpZ2luX2Vj${randomBytes(48).toString('base64url')}`;

/** A store that refuses every request with an S3 XML error quoting the key id and the token it received. */
function startEchoingStore(): Promise<{ server: Server; endpoint: string; requests: () => number }> {
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    req.resume();
    const keyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? 'none';
    const token = String(req.headers['x-amz-security-token'] ?? 'none');
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<Error><Code>InvalidAccessKeyId</Code><Message>The key ${keyId} with token ${token} is not known here</Message>` +
        `<AWSAccessKeyId>${keyId}</AWSAccessKeyId><RequestId>1</RequestId></Error>`,
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => count }),
    ),
  );
}

const SOURCES = {
  'the environment': () => ({ AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN }),
  'a shared credentials file': (dir: string) => {
    const file = join(dir, 'credentials');
    writeFileSync(file, `[default]\naws_access_key_id = ${ACCESS_KEY_ID}\naws_secret_access_key = ${SECRET_ACCESS_KEY}\naws_session_token = ${SESSION_TOKEN}\n`, { mode: 0o600 });
    return { AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: join(dir, 'config') };
  },
};

const cases: Array<[Mode, keyof typeof SOURCES]> = [
  ['worker', 'the environment'],
  ['router', 'the environment'],
  ['worker', 'a shared credentials file'],
];

for (const [mode, source] of cases) {
  describe(`a store that echoes credentials from ${source} (${mode} mode)`, () => {
    let store: Awaited<ReturnType<typeof startEchoingStore>>;
    let app: Fixture;
    let dir: string;
    before(async () => {
      store = await startEchoingStore();
      dir = mkdtempSync(join(tmpdir(), 'me-credentials-'));
      app = await startFixture({
        mode,
        env: { ...SOURCES[source](dir), AWS_EC2_METADATA_DISABLED: 'true' },
        options: { egress: { echo: { type: 's3', bucket: 'dumps', region: 'us-east-1', endpoint: store.endpoint, forcePathStyle: true } } },
      });
    });
    after(async () => {
      await app?.stop();
      store?.server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the 502 and the audit log say why without the key id or the token', async () => {
      const reply = await request(`${app.url}/cpuprofile?seconds=1&egress=echo`, { token: app.tokens.admin });
      assert.equal(reply.status, 502, reply.body.toString());
      assert.ok(store.requests() > 0, 'the store was asked');
      const { error } = reply.json();
      assert.match(error.message, /InvalidAccessKeyId, HTTP 403/);
      assert.match(error.message, /\[redacted\]/, 'the store quoted something, and it was masked');
      const audit = app.auditText();
      assert.match(audit, /InvalidAccessKeyId/, 'the audit log records the failure');
      for (const [name, secret] of Object.entries({ ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN })) {
        assert.ok(!reply.body.toString().includes(secret), `the answer holds ${name}`);
        assert.ok(!audit.includes(secret), `the audit log holds ${name}`);
      }
    });
  });
}
