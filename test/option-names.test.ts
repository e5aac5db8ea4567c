import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, maintenanceRouter, startMaintenanceServer, type MaintenanceServerOptions } from '../src/index.js';
import { CLEAN_CLI_ENV, runCli } from './helpers/cli.js';
import { newToken } from './helpers/fixture.js';

const tokens = () => [{ id: 'ops', token: newToken(), scopes: ['read' as const] }];
const destination = { type: 's3', bucket: 'dumps', region: 'us-east-1' };

/** The options as a user's JavaScript would pass them: a misspelt name is no type error there. */
const loose = (options: Record<string, unknown>) => ({ tokens: tokens(), auditLog: '/dev/null', ...options }) as unknown as MaintenanceServerOptions;

function refusal(message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.code, 'UNKNOWN_OPTION');
    assert.match(error.message, message);
    return true;
  };
}

describe('every option is checked by name at start', () => {
  test('startMaintenanceServer refuses a misspelt option with its path and the nearest known name', async () => {
    await assert.rejects(startMaintenanceServer(loose({ memoryLimt: 1 << 30 })), refusal(/^memoryLimt: unknown option; did you mean memoryLimit\?$/));
    await assert.rejects(startMaintenanceServer(loose({ storedir: '/var/dumps' })), refusal(/^storedir: unknown option; did you mean storeDir\?$/));
    await assert.rejects(startMaintenanceServer(loose({ rateLimit: { heavy: { limt: 5 } } })), refusal(/^rateLimit\.heavy\.limt: unknown option; did you mean limit\?$/));
    await assert.rejects(startMaintenanceServer(loose({ egress: { offsite: { ...destination, bukket: 'x' } } })), refusal(/^egress\.offsite\.bukket: unknown option; did you mean bucket\?$/));
    await assert.rejects(startMaintenanceServer(loose({ tls: { key: 'k', crt: 'c' } })), refusal(/^tls\.crt: unknown option; did you mean cert\?$/));
    await assert.rejects(startMaintenanceServer(loose({ connections: { maxConnection: 5 } })), refusal(/^connections\.maxConnection: unknown option; did you mean maxConnections\?$/));
    await assert.rejects(
      startMaintenanceServer(loose({ commands: { flush: { description: 'd', run: () => 1, timeoutMS: 10 } } })),
      refusal(/^commands\.flush\.timeoutMS: unknown option; did you mean timeoutMs\?$/),
    );
    await assert.rejects(
      startMaintenanceServer(loose({ commands: { flush: { description: 'd', run: () => 1, parameters: { ttl: { type: 'number', maximum: 5 } } } } })),
      refusal(/^commands\.flush\.parameters\.ttl\.maximum: unknown option; /),
    );
    await assert.rejects(startMaintenanceServer(loose({ tokens: [{ id: 'ops', token: newToken(), scope: ['read'] }] })), refusal(/^tokens\[0\]\.scope: unknown option; did you mean scopes\?$/));
    await assert.rejects(startMaintenanceServer(loose({ eval: { enable: true } })), refusal(/^eval\.enable: unknown option; did you mean enabled\?$/));
  });

  test('a name far from every known one lists the names known there', async () => {
    await assert.rejects(startMaintenanceServer(loose({ dumps: { colour: 'blue' } })), refusal(/^dumps\.colour: unknown option; known here: directory, maxBytes, .*reserveBytes\.$/));
  });

  test('maintenanceRouter refuses them too, and the server-only options are unknown to it', () => {
    assert.throws(() => maintenanceRouter(loose({ leakWindowSecond: 60 })), refusal(/^leakWindowSecond: unknown option; did you mean leakWindowSeconds\?$/));
    assert.throws(() => maintenanceRouter(loose({ port: 9464 })), refusal(/^port: unknown option; /));
  });

  test('serve refuses a misspelt name in its egress config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'me-options-'));
    try {
      const egressFile = join(dir, 'egress.json');
      writeFileSync(egressFile, JSON.stringify({ offsite: { ...destination, regoin: 'eu-west-1' } }), { mode: 0o600 });
      const tokensFile = join(dir, 'tokens.json');
      writeFileSync(tokensFile, JSON.stringify(tokens()), { mode: 0o600 });
      const run = await runCli(['serve', '--target', '127.0.0.1:9', '--tokens-file', tokensFile, '--egress-config', egressFile, '--port', '0'], { env: CLEAN_CLI_ENV });
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /egress\.offsite\.regoin: unknown option; did you mean region\?/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
