import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { isCode, MaintenanceError } from '../src/errors.js';
import { takeObjectCensus } from '../src/operations/object-census.js';
import { InspectorSessionTarget } from '../src/targets/inspector-session-target.js';
import { startFixture, type Fixture, type Mode } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

/**
 * The noise floor of a steady process: the fixture's `churn` builds 5,000 objects per step and drops
 * them when the step returns, so at most one step's objects (5,000 `Object`s, one `Array`) are alive
 * at a count that interrupts it (worker mode: the count runs inside the step). No type of a process
 * that keeps nothing may grow by more than that, plus the app's and probe's own small variations.
 */
const CHURN_STEP_OBJECTS = 5_000;
const NOISE_FLOOR = CHURN_STEP_OBJECTS + 1_000;

interface TypeGrowth {
  constructor: string;
  countBefore: number;
  countAfter: number;
  delta: number;
}

const retainedCount = async (app: Fixture, name: string) => (await app.command({ cmd: 'retained-count', name }, 'retained-count')).count as number;
const heapAfterGc = async (app: Fixture) => (await request(`${app.url}/gc`, { method: 'POST', token: app.tokens.admin })).json().after.usedSize as number;

describe('where: the growing types', () => {
  for (const mode of ['worker', 'router'] as Mode[]) {
    test(`${mode} mode: a process keeping instances of one class shows that class as the top grower, its counts bracketed by the app's own`, async () => {
      const app = await startFixture({ mode });
      try {
        await app.command({ cmd: 'retain-class', name: 'RetainedSession', perSecond: 5_000, ms: 600_000 }, 'retaining');
        await eventually(async () => (await retainedCount(app, 'RetainedSession')) > 0);
        const keptBefore = await retainedCount(app, 'RetainedSession');
        const reply = await request(`${app.url}/memory/leaks?seconds=2&types=count`, { token: app.tokens.admin });
        const keptAfter = await retainedCount(app, 'RetainedSession');
        assert.equal(reply.status, 200, reply.body.toString());
        const { where } = reply.json();
        assert.deepEqual(Object.keys(where).sort(), ['samplingIntervalBytes', 'seconds', 'sites', 'typeCounts', 'types']);
        const types = where.types as TypeGrowth[];
        const top = types[0]!;
        assert.equal(top.constructor, 'RetainedSession', `top growers: ${JSON.stringify(types.slice(0, 3))}`);
        // Each count is of exactly the instances alive then: between what the app held before the request and after it.
        assert.ok(top.countBefore >= keptBefore && top.countAfter <= keptAfter, `${keptBefore} <= ${top.countBefore} < ${top.countAfter} <= ${keptAfter}`);
        assert.equal(top.delta, top.countAfter - top.countBefore);
        assert.ok(top.delta > NOISE_FLOOR, `two seconds at 5,000 a second keep more than the noise floor: ${top.delta}`);
        for (let i = 1; i < types.length; i++) assert.ok(types[i - 1]!.delta >= types[i]!.delta, 'top growers first');
        assert.ok(types.length <= 20 && types.every((t) => t.delta > 0));
        const { pauseMs, objectsBefore, objectsAfter, growingTypes } = where.typeCounts;
        assert.ok(pauseMs.length === 2 && pauseMs.every((ms: number) => ms > 0), `each count's pause is stated: ${pauseMs}`);
        assert.ok(objectsAfter - objectsBefore >= top.delta - NOISE_FLOOR && growingTypes >= types.length);
        assert.equal(where.sites.length > 0, true, 'the allocation sites are there beside the types');
      } finally {
        await app.stop();
      }
    });
  }

  test('a steady churning process shows no type growing past the noise floor', async () => {
    const app = await startFixture({ mode: 'worker' });
    try {
      await app.command({ cmd: 'churn', ms: 600_000 }, 'started');
      const reply = await request(`${app.url}/memory/leaks?seconds=2&types=count`, { token: app.tokens.admin });
      assert.equal(reply.status, 200, reply.body.toString());
      const types = reply.json().where.types as TypeGrowth[];
      assert.ok(types.every((t) => t.delta <= NOISE_FLOOR), `growers of a process that keeps nothing: ${JSON.stringify(types.slice(0, 5))}`);
    } finally {
      await app.stop();
    }
  });

  test('the counts keep nothing: the heap after a full GC returns to where it was', async () => {
    const app = await startFixture({ mode: 'worker' });
    try {
      // 400,000 objects: the queried array alone would hold 1.6 MB (4-byte compressed pointers) if it stayed.
      await app.command({ cmd: 'grow-objects', count: 400_000 }, 'grown');
      const before = await heapAfterGc(app);
      const reply = await request(`${app.url}/memory/leaks?seconds=1&types=count`, { token: app.tokens.admin });
      assert.equal(reply.status, 200, reply.body.toString());
      assert.ok(reply.json().where.typeCounts.objectsAfter >= 400_000);
      const after = await heapAfterGc(app);
      assert.ok(after - before < 512 * 1024, `heap after GC: ${before} then ${after}`);
    } finally {
      await app.stop();
    }
  });

  test('types=count needs seconds and the heap scope; nothing runs otherwise', async () => {
    const app = await startFixture({ mode: 'worker' });
    try {
      const ask = (query: string, token = app.tokens.admin) => request(`${app.url}/memory/leaks?${query}`, { token });
      const noWindow = await ask('types=count');
      assert.equal(noWindow.status, 400);
      assert.match(noWindow.json().error.message, /"types".*seconds/);
      assert.equal((await ask('seconds=1&types=sizes')).status, 400);
      const reader = await ask('seconds=1&types=count', app.tokens.reader);
      assert.equal(reader.status, 403);
      assert.match(reader.json().error.message, /heap/);
      const plain = (await ask('seconds=1', app.tokens.reader)).json().where;
      assert.equal(plain.types, null, 'where keeps its shape without a count');
      assert.equal(plain.typeCounts, null);
    } finally {
      await app.stop();
    }
  });
});

class BlockedCensusMarker {
  constructor(readonly serial: number) {}
}

class CensusMarker {
  constructor(readonly serial: number) {}
}

describe('the object census', () => {
  test('counts class instances exactly, Maps and arrays among objects, never null-prototype objects or primitives', async () => {
    const target = InspectorSessionTarget.sameThread();
    try {
      const held: Record<string, unknown[]> = {
        markers: Array.from({ length: 3_000 }, (_, i) => new CensusMarker(i)),
        maps: Array.from({ length: 1_500 }, () => new Map()),
      };
      const first = await takeObjectCensus(target);
      assert.equal(first.byConstructor.get('CensusMarker'), 3_000);
      assert.ok((first.byConstructor.get('Map') ?? 0) >= 1_500);
      assert.ok((first.byConstructor.get('Array') ?? 0) >= 2);
      assert.equal(first.objects, [...first.byConstructor.values()].reduce((a, b) => a + b, 0));
      held.bare = Array.from({ length: 7_000 }, () => Object.create(null) as object);
      held.strings = Array.from({ length: 7_000 }, (_, i) => `text-${i}`);
      const second = await takeObjectCensus(target);
      assert.ok(second.objects - first.objects < 1_000, `14,000 null-prototype objects and strings are not counted: ${first.objects} then ${second.objects}`);
      assert.equal(Object.keys(held).length, 4);
    } finally {
      await target.close();
    }
  });

  test('from a worker, counts while the main thread is blocked in a loop that never yields', async () => {
    const markers = Array.from({ length: 2_500 }, (_, i) => new BlockedCensusMarker(i));
    const shared = new SharedArrayBuffer(8);
    const flag = new Int32Array(shared);
    const worker = new Worker(new URL('./fixtures/census-from-worker.js', import.meta.url), { workerData: { shared } });
    try {
      await once(worker, 'message');
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      // Blocked: no task, no microtask, no timer runs here until the worker's count is done.
      const deadline = Date.now() + 120_000;
      while (Atomics.load(flag, 0) !== 2 && Date.now() < deadline) {
        // spinning, as a stuck request handler would
      }
      assert.equal(Atomics.load(flag, 0), 2, 'the count finished while the loop was still blocked');
      assert.equal(Atomics.load(flag, 1), markers.length);
      const [summary] = (await once(worker, 'message')) as [{ pauseMs: number }];
      assert.ok(summary.pauseMs > 0);
      await once(worker, 'exit');
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  });

  test('refuses a heap above its bound before pausing anything, saying how large it is', async () => {
    const target = InspectorSessionTarget.sameThread();
    try {
      await assert.rejects(takeObjectCensus(target, { maxHeapBytes: 1024 }), (error: unknown) => {
        assert.ok(isCode(error, 'PAUSE_TOO_LONG'));
        const details = (error as MaintenanceError).details!;
        assert.ok((details.heapUsedBytes as number) > 1024 && details.limitBytes === 1024);
        return true;
      });
    } finally {
      await target.close();
    }
  });
});
