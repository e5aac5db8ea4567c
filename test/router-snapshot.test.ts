import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDescriptorTargets } from './helpers/descriptors.js';
import { filesIn, requestAuditLine, startFixture, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually, openStream, request, requestOnceFree } from './helpers/http.js';
import { assertStagedWithinMemoryBound } from './helpers/staging.js';

/**
 * In router mode the app's own thread writes the snapshot and can send nothing meanwhile: a reader
 * thread stages it (memory up to the bound, then a private spill file) and it is handed over once V8 is
 * done, at the client's pace.
 */
describe('GET /heapsnapshot in router mode: staged while the app thread writes', () => {
  const bound = 256 * 1024;
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'router', options: { spillThresholdBytes: bound, rateLimit: { heavy: { limit: 100 } } } });
  });
  after(() => app.stop());

  /** The app's open descriptors that point at a (deleted) spill file. */
  const openSpillFiles = () => openDescriptorTargets(app.child.pid!).filter((target) => /maintenance-endpoint-[^/]*\/spill-/.test(target));

  /** The audit result of this app's `count`-th snapshot download. */
  const snapshotAudit = async (count: number) => (await requestAuditLine(app, '/ops/heapsnapshot', count)).result as { bytesIn: number; spilledBytes: number; peakMemoryBacklogBytes: number; stagedOnDiskBytes: number };

  test('past the memory bound the rest is staged on disk; the download is whole and in order; nothing is left', async () => {
    // Raw, so that the bytes staged (V8's) and the bytes downloaded can be compared.
    const reply = await request(`${app.url}/heapsnapshot?redact=false`, { token: app.tokens.admin });
    assert.equal(reply.status, 200);
    assertWholeSnapshotWithPlantedObjects(reply.body, { redacted: false });
    const result = await snapshotAudit(1);
    assert.equal(result.bytesIn, reply.body.length);
    assertStagedWithinMemoryBound(reply.body.length, result.stagedOnDiskBytes, bound);
    assert.deepEqual(filesIn(app.tmpdir), [], 'the spill file and the pipe are gone');
  });

  test('a slow client gets it whole: the handover waits for it instead of staging the data a second time', async () => {
    const response = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
    assert.equal(response.statusCode, 200);
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        response.pause();
        setTimeout(() => response.resume(), 2);
      });
      response.once('end', resolve);
      response.once('error', reject);
      response.resume(); // openStream leaves it paused
    });
    assertWholeSnapshotWithPlantedObjects(Buffer.concat(chunks));
    const result = await snapshotAudit(2);
    assert.equal(result.spilledBytes, 0, 'nothing staged twice');
    assert.ok(result.peakMemoryBacklogBytes <= 2 * 1024 * 1024, `memory backlog ${result.peakMemoryBacklogBytes} stays small`);
    assert.deepEqual(filesIn(app.tmpdir), []);
  });

  test('a client that leaves during the handover: the staged spill file is closed at once, the next download is whole', async () => {
    const response = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
    assert.equal(response.statusCode, 200);
    assert.ok(openSpillFiles().length > 0, 'the staged rest is waiting in a spill file');
    response.destroy();
    await eventually(async () => openSpillFiles().length === 0, 10_000, 'the spill file to be closed');
    const next = await requestOnceFree(`${app.url}/heapsnapshot`, app.tokens.heap);
    assert.equal(next.status, 200);
    assertWholeSnapshotWithPlantedObjects(next.body);
    assert.deepEqual(openSpillFiles(), []);
    assert.deepEqual(filesIn(app.tmpdir), []);
  });
});
