import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, startSidecar, type Sidecar } from './helpers/cli.js';
import { assertNoCredentials, destinations, sha256 } from './helpers/egress-endpoint.js';
import { startEgressSession, type EgressSession } from './helpers/egress-session.js';
import type { Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { request } from './helpers/http.js';
import type { S3TestServer } from './helpers/s3-server.js';

describe('egress from the sidecar (serve --egress-config)', () => {
  let session: EgressSession;
  let server: S3TestServer;
  let target: Fixture;
  let sidecar: Sidecar | undefined;
  let dir: string;
  before(async () => {
    session = await startEgressSession();
    server = session.server;
    dir = mkdtempSync(join(tmpdir(), 'me-egress-config-'));
    target = await session.startApp({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'], options: {}, env: {} });
  });
  after(async () => {
    await sidecar?.stop();
    await session?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a config file others can read is refused at start-up, without quoting it', async () => {
    const file = join(dir, 'egress.json');
    writeFileSync(file, JSON.stringify(destinations(server)), { mode: 0o600 });
    chmodSync(file, 0o644);
    const run = await runCli(['serve', '--target', `127.0.0.1:${target.inspectorPort}`, '--egress-config', file], {
      env: { MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([{ id: 'x', token: 'x'.repeat(32), scopes: ['read'] }]) },
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /readable by group or others \(mode 644\).*chmod 600/);
    assertNoCredentials(run.stderr + run.stdout, 'the CLI output');
  });

  test("an upload through the sidecar is keyed by the target's service and pid, not the sidecar's", async () => {
    const file = join(dir, 'egress-private.json');
    writeFileSync(file, JSON.stringify(destinations(server)), { mode: 0o600 });
    sidecar = await startSidecar(['--target', `127.0.0.1:${target.inspectorPort}`, '--egress-config', file]);
    const reply = await request(`${sidecar.url}/heapsnapshot?egress=offsite`, { token: sidecar.token });
    assert.equal(reply.status, 200, reply.body.toString());
    const result = reply.json();
    // Another process's instance cannot be told from the sidecar: its keys are never judged by a sweep.
    assert.match(result.key, new RegExp(`^tests/app/[A-Za-z0-9._-]+/${target.child.pid}-unknown/.+-heap-snapshot\\.heapsnapshot$`));
    const stored = Buffer.from(await (await fetch(result.presignedUrl)).arrayBuffer());
    assert.equal(sha256(stored), result.sha256);
    assertWholeSnapshotWithPlantedObjects(stored);
  });
});
