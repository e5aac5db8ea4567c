import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startMaintenanceServer } from '../src/index.js';
import { filesIn, newToken, startFixture, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually, request } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

async function waitForStatus(app: Fixture, id: string, status: string, timeoutMs = 60_000): Promise<any> {
  return eventually(async () => {
    const job = (await request(`${app.url}/dumps/${id}`, { token: app.tokens.admin })).json();
    if (job.status === 'failed' && status !== 'failed') throw new Error(`job failed: ${job.error}`);
    return job.status === status ? job : undefined;
  }, timeoutMs, `job ${id} to be ${status}`);
}

/** Files under the store's parent directory, relative to it. */
function storeFiles(parent: string): string[] {
  return filesIn(parent).filter((path) => path.includes('/'));
}

describe('scheduled dumps (worker mode)', () => {
  let app: Fixture;
  let parent: string;
  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'me-dumps-'));
    app = await startFixture({ mode: 'worker', options: { dumps: { directory: parent, maxPendingJobs: 3 }, rateLimit: { heavy: { limit: 200 } } } });
  });
  after(async () => {
    await app.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  test('delay: 202 with a Location, then a ready snapshot that downloads whole, named like a direct download', async () => {
    const sentAt = Date.now();
    const reply = await request(`${app.url}/heapsnapshot?delay=1s`, { token: app.tokens.heap });
    assert.equal(reply.status, 202);
    const job = reply.json();
    assert.equal(reply.headers.location, `/ops/dumps/${job.id}`);
    assert.match(job.id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/, 'never starting with -, which a command line would read as an option');
    assert.deepEqual([job.kind, job.status, job.trigger.type], ['heapsnapshot', 'scheduled', 'at']);
    // The delay counts from the server's reading of the request, which cannot come before it was sent.
    assert.ok(Date.parse(job.trigger.at) >= sentAt + 1000, `${job.trigger.at} is at least 1 s after the request`);
    const ready = await waitForStatus(app, job.id, 'ready');
    assert.ok(ready.size > 100_000 && ready.started && ready.finished);
    const file = await request(`${app.url}/dumps/${job.id}/file`, { token: app.tokens.heap });
    assert.equal(file.status, 200);
    assert.match(String(file.headers['content-disposition']), /^attachment; filename="[A-Za-z0-9._-]+-\d+-\d{8}T\d{6}Z\.heapsnapshot"$/);
    assert.equal(file.body.length, ready.size);
    assertWholeSnapshotWithPlantedObjects(file.body);
    assert.equal((await request(`${app.url}/dumps/${job.id}/file`, { token: app.tokens.reader })).status, 403, 'a snapshot needs the heap scope');
    // A streamed file meets every layer that cares about the response's end; together they once went
    // past EventEmitter's leak warning.
    assert.deepEqual(app.warnings().filter((line) => /MaxListenersExceeded/.test(line)), []);
  });

  test('files and directory are private: 0700 and 0600, no partial file left', async () => {
    const [dir] = readdirSync(parent);
    assert.equal(statSync(join(parent, dir!)).mode & 0o777, 0o700);
    const files = readdirSync(join(parent, dir!));
    assert.ok(files.length >= 1);
    for (const file of files) {
      assert.equal(statSync(join(parent, dir!, file)).mode & 0o777, 0o600, file);
      assert.doesNotMatch(file, /\.partial$/);
    }
  });

  test('at: a pprof CPU profile at a given time', async () => {
    // Far enough ahead that the request arrives before it even on a loaded machine (a time in the past is a 400).
    const at = new Date(Date.now() + 5000).toISOString();
    const reply = await request(`${app.url}/cpuprofile?seconds=1&format=pprof&at=${encodeURIComponent(at)}`, { token: app.tokens.admin });
    assert.equal(reply.status, 202);
    const ready = await waitForStatus(app, reply.json().id, 'ready');
    assert.ok(Date.parse(ready.started) >= Date.parse(at) - 50);
    const file = await request(`${app.url}/dumps/${ready.id}/file`, { token: app.tokens.admin });
    assert.match(String(file.headers['content-disposition']), /\.cpu\.pb\.gz"$/);
    assert.deepEqual(decodePprof(file.body).sampleTypes, ['samples/count', 'cpu/nanoseconds']);
  });

  test('when=gc runs right after the next major GC', async () => {
    const reply = await request(`${app.url}/heapprofile?seconds=1&when=gc&expires=1m`, { token: app.tokens.admin });
    assert.equal(reply.status, 202);
    const { id } = reply.json();
    assert.equal((await request(`${app.url}/dumps/${id}`, { token: app.tokens.admin })).json().status, 'scheduled', 'waits for a GC');
    await request(`${app.url}/gc`, { token: app.tokens.admin, method: 'POST' });
    const ready = await waitForStatus(app, id, 'ready');
    assert.equal(ready.trigger.type, 'gc');
  });

  test('when=heap-above fires once the heap left after a GC crosses the size', async () => {
    const reply = await request(`${app.url}/heapprofile?seconds=1&when=heap-above:150MB`, { token: app.tokens.admin });
    const { id } = reply.json();
    // A full GC of the small heap is a GC below the size: the job must not fire on it.
    await request(`${app.url}/gc`, { token: app.tokens.admin, method: 'POST' });
    assert.equal((await request(`${app.url}/dumps/${id}`, { token: app.tokens.admin })).json().status, 'scheduled');
    await app.command({ cmd: 'grow', mb: 200 }, 'grown');
    await app.command({ cmd: 'churn', ms: 2000 }, 'done'); // young GCs, each reporting the grown heap
    await waitForStatus(app, id, 'ready');
  });

  test('bad scheduling values get a 400 naming the parameter', async () => {
    const soon = (ms: number) => encodeURIComponent(new Date(Date.now() + ms).toISOString());
    const cases: Array<[string, string]> = [
      ['delay=-5', 'delay'],
      ['delay=abc', 'delay'],
      ['delay=0', 'delay'],
      ['delay=25h', 'delay'],
      [`at=${soon(-60_000)}`, 'at'],
      [`at=${soon(25 * 3_600_000)}`, 'at'],
      ['at=tomorrow', 'at'],
      ['when=sometime', 'when'],
      ['when=heap-above:lots', 'when'],
      ['when=heap-above:150%25', 'when'],
      ['when=gc&expires=-1m', 'expires'],
      ['delay=5s&expires=1m', 'expires'],
      ['delay=5s&when=gc', 'delay and when'],
      ['delay=5s&delay=6s', 'delay'],
    ];
    for (const [query, named] of cases) {
      const reply = await request(`${app.url}/heapsnapshot?${query}`, { token: app.tokens.admin });
      assert.equal(reply.status, 400, query);
      assert.ok(reply.json().error.message.includes(named), `${query}: ${reply.json().error.message}`);
    }
  });

  test('ids cannot name a path: traversal attempts are 400s naming the id, or 404s', async () => {
    for (const path of ['/dumps/..%2F..%2F..%2Fetc%2Fpasswd/file', '/dumps/x.heapsnapshot/file']) {
      const reply = await request(`${app.url}${path}`, { token: app.tokens.admin });
      assert.equal(reply.status, 400, path);
      assert.match(reply.json().error.message, /"id"/, path);
    }
    // The client resolves the dots (%2e too) before sending, into a path that names no route.
    for (const path of ['/dumps/%2e%2e/file', '/dumps/../../etc/passwd', '/dumps/AAAAAAAAAAAAAAAAAAAAAA/file']) {
      const reply = await request(`${app.url}${path}`, { token: app.tokens.admin });
      assert.equal(reply.status, 404, path);
    }
  });

  test('DELETE cancels a pending job and deletes a ready file; afterwards /file is 404', async () => {
    const pending = (await request(`${app.url}/heapsnapshot?delay=1h`, { token: app.tokens.heap })).json();
    assert.equal((await request(`${app.url}/dumps/${pending.id}`, { token: app.tokens.reader, method: 'DELETE' })).status, 403, 'needs the heap scope');
    assert.equal((await request(`${app.url}/dumps/${pending.id}`, { token: app.tokens.heap, method: 'DELETE' })).status, 204);
    assert.equal((await request(`${app.url}/dumps/${pending.id}`, { token: app.tokens.heap })).status, 403, 'a reader scope is needed to look');
    assert.equal((await request(`${app.url}/dumps/${pending.id}`, { token: app.tokens.admin })).status, 404);

    const ready = await waitForStatus(app, (await request(`${app.url}/heapsnapshot?delay=1`, { token: app.tokens.heap })).json().id, 'ready');
    const before = storeFiles(parent).length;
    assert.equal((await request(`${app.url}/dumps/${ready.id}`, { token: app.tokens.heap, method: 'DELETE' })).status, 204);
    assert.equal((await request(`${app.url}/dumps/${ready.id}/file`, { token: app.tokens.heap })).status, 404);
    assert.equal(storeFiles(parent).length, before - 1, 'the file is gone from disk');
  });

  test('more pending jobs than the limit get 429', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await request(`${app.url}/heapsnapshot?delay=1h`, { token: app.tokens.heap })).json().id);
    const over = await request(`${app.url}/heapsnapshot?delay=1h`, { token: app.tokens.heap });
    assert.equal(over.status, 429);
    assert.equal(over.json().error.code, 'TOO_MANY_JOBS');
    for (const id of ids) await request(`${app.url}/dumps/${id}`, { token: app.tokens.heap, method: 'DELETE' });
  });
});

describe('store limits and lifecycle', () => {
  test('a quota on files evicts the oldest first', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'me-dumps-'));
    const app = await startFixture({ mode: 'worker', options: { dumps: { directory: parent, maxFiles: 2 }, rateLimit: { heavy: { limit: 100 } } } });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const id = (await request(`${app.url}/heapprofile?seconds=1&delay=1`, { token: app.tokens.admin })).json().id;
        await waitForStatus(app, id, 'ready');
        ids.push(id);
      }
      assert.equal((await request(`${app.url}/dumps/${ids[0]}`, { token: app.tokens.admin })).status, 404, 'the oldest was evicted');
      for (const id of ids.slice(1)) assert.equal((await request(`${app.url}/dumps/${id}/file`, { token: app.tokens.admin })).status, 200);
      assert.equal(storeFiles(parent).length, 2);
    } finally {
      await app.stop();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  test('short disk space refuses a heap snapshot with 507 and a clear message', async () => {
    const app = await startFixture({ mode: 'router', options: { dumps: { reserveBytes: 2 ** 50 } } });
    try {
      const reply = await request(`${app.url}/heapsnapshot?delay=10s`, { token: app.tokens.heap });
      assert.equal(reply.status, 507);
      assert.equal(reply.json().error.code, 'INSUFFICIENT_STORAGE');
      assert.match(reply.json().error.message, /may need \d+ MiB/);
    } finally {
      await app.stop();
    }
  });

  test('close() cancels pending jobs and removes the private directory', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'me-dumps-'));
    const token = newToken();
    const server = await startMaintenanceServer({ tokens: [{ id: 'ops', token, scopes: ['heap', 'read'] }], dumps: { directory: parent }, auditLog: '/dev/null' });
    try {
      const ready = (await request(`${server.url}/heapsnapshot?delay=1`, { token })).json();
      await eventually(async () => (await request(`${server.url}/dumps/${ready.id}`, { token })).json().status === 'ready');
      await request(`${server.url}/heapsnapshot?delay=1h`, { token });
      assert.equal(readdirSync(parent).length, 1);
      await server.close();
      assert.deepEqual(readdirSync(parent), []);
    } finally {
      await server.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
