import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { newToken, STARTUP_TIMEOUT_MS } from './helpers/fixture.js';
import { packagesOf, SERVER_PACKAGES } from './helpers/loaded-packages.js';
import { eventually, postJson, request } from './helpers/http.js';

const APP = fileURLToPath(new URL('./fixtures/endpoint-only-app.js', import.meta.url));
const RECORDER = new URL('./fixtures/record-loads.js', import.meta.url).href;

/**
 * An app that is nothing but `import` of the package root and `startMaintenanceServer()`, each thread's
 * loads recorded by a preload: the app's thread (threadId 0) must stay free of the HTTP stack, which the
 * server's thread loads, and that thread loads what a feature needs only when it is first used.
 */
describe('idle footprint: what each thread loads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'me-idle-'));
  const token = newToken();
  let child: ChildProcess;
  let url: string;
  // The server's thread is the one that ran the worker's entry: an evaluation starts a thread of its own too
  // (its memory watch), whose record is not the server's.
  const loadedBy = (thread: 'app' | 'server'): string[] => {
    const records = readdirSync(dir)
      .filter((name) => name.endsWith('.txt') && (name === '0.txt') === (thread === 'app'))
      .map((name) => ({ name, loaded: readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean) }))
      .filter(({ loaded }) => thread === 'app' || loaded.some((url) => url.endsWith('/src/worker/maintenance-worker.js')));
    assert.equal(records.length, 1, `one record for the ${thread} thread: ${records.map(({ name }) => name).join(', ')}`);
    return records[0]!.loaded;
  };

  before(async () => {
    child = spawn(process.execPath, ['--import', RECORDER, APP], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: {
        ...process.env,
        RECORD_LOADS_DIR: dir,
        AUDIT_LOG: join(dir, 'audit.log'),
        MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([{ id: 'admin', token, scopes: ['read', 'eval'] }]),
      },
    });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the app did not start')), STARTUP_TIMEOUT_MS);
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      });
      child.once('exit', (code) => reject(new Error(`the app exited with ${code}`)));
    });
  });

  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('an idle endpoint loads neither the audit log\'s library nor the code of operations nobody asked for', () => {
    // Before any request: nothing has been logged, no snapshot taken, no dump uploaded, no egress configured.
    const server = loadedBy('server');
    assert.ok(!packagesOf(server).has('pino'), "pino is loaded in the idle server's thread");
    // Nor, with no rules, recorder, persistent store or egress configured, the endpoint around the services that run
    // from the start (the scheduler, the rules, the recorder, the artifact table): built at the first request.
    const unasked = ['/src/snapshot-redaction/', '/src/heapsnapshot/', '/src/operations/heap-snapshot.js', '/src/operations/snapshot-admission.js', '/src/egress/stale-upload-sweep.js', '/src/scheduling/upload-stored-dump.js',
      '/src/endpoint/create-endpoint.js', '/src/scheduling/dump-scheduler.js', '/src/rules/rule-engine.js', '/src/recorder/flight-recorder.js', '/src/operations/artifacts/all-artifacts.js'];
    for (const [thread, loaded] of [['app', loadedBy('app')], ['server', server]] as const) {
      for (const part of unasked) assert.ok(!loaded.some((url) => url.includes(part)), `${part} is loaded in the idle ${thread} thread`);
    }
  });

  test("the app's thread loads none of the HTTP stack, while the server's thread serves", async () => {
    const index = await request(`${url}/`, { token });
    assert.equal(index.status, 200);
    const app = loadedBy('app');
    assert.ok(app.some((loaded) => loaded.endsWith('/src/worker/start-maintenance-server.js')), 'the record sees the package root load');
    const inApp = packagesOf(app);
    for (const name of SERVER_PACKAGES) assert.ok(!inApp.has(name), `${name} is loaded in the app's thread`);
    // The ESM view of node:http loads the fetch client and TLS with it, in whichever thread imports it.
    const builtins = await new Promise<string[]>((resolve) => {
      child.once('message', (list) => resolve(list as string[]));
      child.send('list');
    });
    for (const internal of ['NativeModule internal/deps/undici/undici', 'NativeModule tls', 'NativeModule https']) {
      assert.ok(!builtins.includes(internal), `${internal} is loaded in the app's thread`);
    }
    // pino comes with the request's audit line, written once the response has finished: the client may have the
    // answer a moment before.
    const inServer = await eventually(async () => {
      const loaded = packagesOf(loadedBy('server'));
      return loaded.has('pino') ? loaded : undefined;
    }, 10_000, "the server's thread to load pino with its first audit line");
    for (const name of ['express', 'helmet', 'express-rate-limit']) assert.ok(inServer.has(name), `the server's thread loads ${name}`);
  });

  test("the server's thread loads the parser at the first evaluation and the AWS SDK not at all without egress", async () => {
    const before = packagesOf(loadedBy('server'));
    assert.ok(!before.has('acorn'), 'acorn is loaded before any evaluation');
    assert.ok(!before.has('@aws-sdk'), 'the AWS SDK is loaded with no egress configured');
    const reply = await postJson(`${url}/eval`, token, { expression: '[1, 2, 3].map((n) => n * 2)' });
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.json().outcome, 'value');
    assert.ok(packagesOf(loadedBy('server')).has('acorn'), 'acorn is loaded once an evaluation ran');
    assert.ok(!packagesOf(loadedBy('server')).has('@aws-sdk'));
  });
});
