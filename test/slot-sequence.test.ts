import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

/**
 * Every artifact path runs one take-slot, admit, produce, release sequence (operations/slot-sequence.ts):
 * a scheduled heap snapshot is admitted and shown as a direct one is, and frees its slot when it is done.
 */
describe('one slot sequence for direct and scheduled artifacts', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { rateLimit: { heavy: { limit: 100 } } } });
    // Many small objects: a snapshot slow enough to be seen running.
    await app.command({ cmd: 'grow-objects', count: 700_000 }, 'grown');
  });
  after(async () => {
    await app.stop();
  });

  test("a scheduled heap snapshot's operation shows its admission estimate while it runs, as a direct one does, then frees the slot", async () => {
    const reply = await request(`${app.url}/heapsnapshot?delay=1s`, { token: app.tokens.heap });
    assert.equal(reply.status, 202);
    const { id } = reply.json();
    const running = await eventually(async () => {
      const operations = (await request(`${app.url}/`, { token: app.tokens.admin })).json().operations as Array<{ kind: string; progress: Record<string, unknown> }>;
      const snapshot = operations.find((operation) => operation.kind === 'heapsnapshot' && operation.progress.phase !== 'starting');
      if (snapshot !== undefined) return snapshot;
      const job = (await request(`${app.url}/dumps/${id}`, { token: app.tokens.admin })).json();
      assert.ok(job.status === 'scheduled' || job.status === 'running', `the job ended before it was seen running: ${JSON.stringify(job)}`);
      return undefined;
    }, 60_000, 'the scheduled snapshot to be producing');
    assert.ok(Number(running.progress.estimateBytes) > 0, `estimateBytes in ${JSON.stringify(running.progress)}`);
    await eventually(async () => (await request(`${app.url}/dumps/${id}`, { token: app.tokens.admin })).json().status === 'ready', 120_000, 'the dump to be ready');
    const operations = (await request(`${app.url}/`, { token: app.tokens.admin })).json().operations as Array<{ kind: string }>;
    assert.deepEqual(operations.filter((operation) => operation.kind === 'heapsnapshot'), [], 'the slot is released');
  });
});
