import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dataFilesIn, filesIn, requestAuditLine, startFixture, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually, openStream, readAll, request } from './helpers/http.js';

describe('worker mode is out of band', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { spillThresholdBytes: 256 * 1024, rateLimit: { all: { limit: 5000 }, heavy: { limit: 100 } } } });
  });
  after(() => app.stop());

  test('answers and streams a whole snapshot while the main thread is stuck in a busy loop', async () => {
    // An app of its own, blocked for far longer than the requests take even on a badly loaded machine,
    // and killed afterwards: what counts is that they end before the block does.
    const blocked = await startFixture({ mode: 'worker' });
    try {
      const { unblocked } = await blocked.block(120_000);
      let blockEnded = false;
      void unblocked.then(() => (blockEnded = true));
      const index = await request(`${blocked.url}/`, { token: blocked.tokens.reader });
      assert.equal(index.status, 200);
      assert.equal(index.json().pid, blocked.child.pid);
      const snapshot = await request(`${blocked.url}/heapsnapshot`, { token: blocked.tokens.heap });
      assert.equal(snapshot.status, 200);
      assertWholeSnapshotWithPlantedObjects(snapshot.body);
      assert.equal(blockEnded, false, 'served during the block, not after it');
      // The audit lines are already written: the worker's log does not wait for the main thread.
      const written = blocked.auditLines().filter((line) => line.audit && (line.path === '/ops/' || line.path === '/ops/heapsnapshot'));
      assert.ok(written.length >= 2, 'audit lines written while the main thread is still blocked');
    } finally {
      await blocked.stop();
    }
  });

  test('a slow client: the backlog spills to a private file past the bound, the index shows progress, nothing is left', async () => {
    const slow = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
    const progress = await eventually(async () => {
      const index = (await request(`${app.url}/`, { token: app.tokens.reader })).json();
      const operation = index.operations.find((op: { kind: string }) => op.kind === 'heapsnapshot');
      return operation?.progress.spilledBytes > 0 ? operation : undefined;
    }, 20_000, 'the backlog to spill');
    assert.equal(typeof progress.startedAt, 'string');
    assert.ok(progress.progress.bytesStreamed > 256 * 1024);
    // The spill file is unlinked as soon as it is made: no data file is visible even mid-download
    // (the named pipe V8 writes into may still be there, holding nothing).
    assert.deepEqual(dataFilesIn(app.tmpdir), []);
    assertWholeSnapshotWithPlantedObjects(await readAll(slow));
    assert.deepEqual(filesIn(app.tmpdir), [], 'and nothing at all once it is done');
    const audit = await requestAuditLine(app, '/ops/heapsnapshot', 1);
    const result = audit.result as { spilledBytes: number; peakMemoryBacklogBytes: number };
    assert.ok(result.spilledBytes > 0);
    assert.ok(result.peakMemoryBacklogBytes <= 256 * 1024 + 200 * 1024, 'memory backlog stays near the bound');
    const index = (await request(`${app.url}/`, { token: app.tokens.reader })).json();
    assert.deepEqual(index.operations, []);
  });

  test('while V8 builds a snapshot, the index reports how far it is', async () => {
    // The client reads nothing until the index has shown a phase of V8's work: however fast the
    // machine, the operation cannot end before that, since its bytes have nowhere to go.
    const download = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
    const phases: string[] = [];
    const seen = await eventually(async () => {
      const index = (await request(`${app.url}/`, { token: app.tokens.reader })).json();
      const operation = index.operations.find((op: { kind: string }) => op.kind === 'heapsnapshot');
      if (operation !== undefined) phases.push(operation.progress.phase);
      return ['building', 'serializing', 'flushing'].includes(operation?.progress.phase) ? operation : undefined;
    }, 20_000, 'the operation to report a phase of the snapshot');
    assert.ok(phases.every((phase) => ['starting', 'building', 'serializing', 'flushing'].includes(phase)), phases.join());
    if (seen.progress.phase !== 'building') assert.equal(typeof seen.progress.bytesStreamed, 'number');
    assertWholeSnapshotWithPlantedObjects(await readAll(download));
  });
});
