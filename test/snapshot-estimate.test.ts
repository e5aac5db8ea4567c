import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

const MiB = 1024 * 1024;

function peakRss(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}
function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

async function estimateBytes(app: Fixture): Promise<number> {
  return (await request(`${app.url}/`, { token: app.tokens.reader })).json().heapSnapshotEstimate.estimateBytes as number;
}

/** Takes a real snapshot through the endpoint and returns how much the app's RSS rose at its peak. */
async function measuredPeakExtra(app: Fixture): Promise<number> {
  const pid = app.child.pid!;
  const before = rss(pid);
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const reply = await request(`${app.url}/heapsnapshot`, { token: app.tokens.heap });
  assert.equal(reply.status, 200);
  return peakRss(pid) - before;
}

/**
 * A heap snapshot's peak follows the number of objects and, above all, the longest array of objects
 * (V8 keeps a 1 KiB name for each of its indexes), not heapUsed. Two apps: one holding 40 MiB of
 * arrays of doubles (large objects, no references), one holding a single array of small objects
 * with less heapUsed. The estimate must rank them the other way round from heapUsed, and stay above
 * what each snapshot really took.
 */
describe('the snapshot estimate follows what drives the peak, not heapUsed', () => {
  let numbers: Fixture;
  let objects: Fixture;
  before(async () => {
    [numbers, objects] = await Promise.all([startFixture({ mode: 'worker' }), startFixture({ mode: 'worker' })]);
    await Promise.all([numbers.command({ cmd: 'grow', mb: 40 }, 'grown'), objects.command({ cmd: 'grow-objects', count: 300_000 }, 'grown')]);
  });
  after(() => Promise.all([numbers?.stop(), objects?.stop()]));

  test('an array of small objects is estimated above arrays of numbers that fill more heap', async () => {
    const heapUsed = async (app: Fixture) => (await request(`${app.url}/memory`, { token: app.tokens.reader })).json().heapUsed as number;
    // The probe's figures follow within a tick: wait until the 40 MiB of numbers show.
    const numbersHeap = await eventually(async () => ((await heapUsed(numbers)) > 40 * MiB ? heapUsed(numbers) : undefined));
    assert.ok((await heapUsed(objects)) < numbersHeap, 'the object heap is the smaller one');
    const [numbersEstimate, objectsEstimate] = [await estimateBytes(numbers), await estimateBytes(objects)];
    assert.ok(objectsEstimate > numbersEstimate, `objects ${objectsEstimate / MiB} MiB, numbers ${numbersEstimate / MiB} MiB`);
  });

  test('each estimate is above the peak its snapshot really reached', async () => {
    for (const app of [numbers, objects]) {
      const estimate = await estimateBytes(app);
      const peak = await measuredPeakExtra(app);
      assert.ok(estimate >= peak, `estimate ${(estimate / MiB).toFixed(0)} MiB, measured peak +${(peak / MiB).toFixed(0)} MiB`);
    }
  });
});
