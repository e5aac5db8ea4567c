import assert from 'node:assert/strict';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startFixture, stopChild, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

/** The dump stores in `dir`: in pid namespaces of their own, every app is pid 1, so names cannot tell whose. */
const storesIn = (dir: string): Set<string> => new Set(readdirSync(dir).filter((name) => name.startsWith('maintenance-endpoint-dumps-')));

/** Starts `start()` and returns the app with the store it made in `dir`. */
async function withNewStore(dir: string, start: () => Promise<Fixture>): Promise<{ app: Fixture; store: string }> {
  const before = storesIn(dir);
  const app = await start();
  const made = [...storesIn(dir)].filter((name) => !before.has(name));
  assert.equal(made.length, 1, 'the app made one store');
  return { app, store: join(dir, made[0]!) };
}

/** Whether any process holds the store's owner pipe open for reading (ENXIO: none). */
function pipeHasReader(store: string): boolean {
  const pipe = readdirSync(store).find((name) => /^owner-[0-9a-f]{12}\.fifo$/.test(name));
  assert.ok(pipe, 'the store has its owner pipe');
  try {
    closeSync(openSync(join(store, pipe), constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') return false;
    throw error;
  }
}

describe('private stores know their owner across pid namespaces (containers sharing an emptyDir /tmp)', () => {
  const shared = mkdtempSync(join(tmpdir(), 'me-ns-'));
  after(() => rmSync(shared, { recursive: true, force: true }));
  const env = { TMPDIR: shared };
  const apps: Fixture[] = [];
  after(async () => {
    for (const app of apps) await app.stop();
  });
  const start = async (pidNamespace: boolean, mode: 'worker' | 'router') => {
    const started = await withNewStore(shared, () => startFixture({ mode, env, pidNamespace }));
    apps.push(started.app);
    return started;
  };

  test("starting a second app in another pid namespace leaves the first's live store and its ready dump alone; a dead owner's is swept", async () => {
    // Both pid 1, each in its own namespace.
    const first = await start(true, 'worker');
    const job = (await request(`${first.app.url}/heapsnapshot?delay=1`, { token: first.app.tokens.admin })).json();
    await eventually(async () => (await request(`${first.app.url}/dumps/${job.id}`, { token: first.app.tokens.reader })).json().status === 'ready');
    // A store dated well before the next start: a pid-1 previous life by its pid and age alone.
    const madeAt = statSync(first.store).mtimeMs;
    await eventually(async () => Date.now() - madeAt > 2500, 10_000, 'the store to be older than the next start');
    const second = await start(true, 'router');
    assert.ok(existsSync(first.store), "the second pid 1 left the first's live store alone");
    assert.equal((await request(`${first.app.url}/dumps/${job.id}`, { token: first.app.tokens.reader })).json().status, 'ready');

    // The owner's pid does not exist in the other namespace: a host app seen from a container.
    const host = await start(false, 'worker');
    const third = await start(true, 'worker');
    assert.ok(existsSync(host.store), "a store whose owner's pid is absent from this namespace is left alone while its owner lives");
    assert.ok(existsSync(first.store) && existsSync(second.store));

    // SIGKILL runs no exit handler: the store stays until a start from any namespace sees no owner.
    await stopChild(first.app.child, 'SIGKILL');
    await eventually(async () => !pipeHasReader(first.store), 10_000, "the first app's process to be gone");
    const fourth = await start(true, 'router');
    assert.equal(existsSync(first.store), false, "a dead owner's store is swept from another namespace");
    for (const live of [second, host, third, fourth]) assert.ok(existsSync(live.store), 'live stores stay');
  });
});
