import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './helpers/cli.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { eventually, request } from './helpers/http.js';

const MiB = 1024 * 1024;

/** The process's peak RSS since `resetPeak`, from the kernel's own high-water mark. */
function peakRss(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

describe('memory admission: a heap snapshot is estimated before it is taken', () => {
  let app: Fixture;
  // Far below what any snapshot needs (the model alone starts at tens of MiB): every snapshot is refused.
  const memoryLimit = 64 * MiB;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { memoryLimit, rateLimit: { heavy: { limit: 100 } } } });
    await app.command({ cmd: 'grow-objects', count: 500_000 }, 'grown');
  });
  after(() => app.stop());

  test('the index shows the current estimate and that it does not fit', async () => {
    const index = (await request(`${app.url}/`, { token: app.tokens.reader })).json();
    const estimate = index.heapSnapshotEstimate;
    assert.equal(estimate.source, 'option');
    assert.equal(estimate.limitBytes, memoryLimit);
    assert.ok(estimate.estimateBytes > estimate.availableBytes);
    assert.equal(estimate.fits, false);
  });

  test('503 INSUFFICIENT_MEMORY with the estimate, the limit and what is available; nothing was taken', async () => {
    const pid = app.child.pid!;
    resetPeak(pid);
    const before = peakRss(pid);
    const reply = await request(`${app.url}/heapsnapshot`, { token: app.tokens.heap });
    assert.equal(reply.status, 503);
    const { error } = reply.json();
    assert.equal(error.code, 'INSUFFICIENT_MEMORY');
    assert.equal(error.limitBytes, memoryLimit);
    assert.equal(typeof error.availableBytes, 'number');
    assert.ok(error.estimateBytes > error.availableBytes, JSON.stringify(error));
    assert.match(error.message, /force=1/);
    // A snapshot of this heap costs hundreds of MiB at its peak; the refused request cost next to nothing.
    assert.ok(peakRss(pid) - before < 32 * MiB, `peak RSS grew by ${(peakRss(pid) - before) / MiB} MiB`);
    const lines = app.auditLines().filter((line) => line.path === '/ops/heapsnapshot');
    assert.ok(!lines.some((line) => line.event === 'started'), 'no snapshot was started');
  });

  test('force=1 takes it anyway, and the audit says it was forced', async () => {
    const reply = await request(`${app.url}/heapsnapshot?force=1`, { token: app.tokens.heap });
    assert.equal(reply.status, 200);
    assertWholeSnapshotWithPlantedObjects(reply.body);
    const started = app.auditLines().find((line) => line.path === '/ops/heapsnapshot' && line.event === 'started') as
      | { admission: { forced: boolean; estimateBytes: number } }
      | undefined;
    assert.equal(started?.admission.forced, true);
    assert.ok(started.admission.estimateBytes > 0);
  });

  test('the CLI: heapsnapshot is refused with the reason, and --force takes it anyway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'me-force-'));
    try {
      const env = { MAINTENANCE_ENDPOINT_URL: app.url, MAINTENANCE_ENDPOINT_TOKEN: app.tokens.heap };
      const refused = await runCli(['heapsnapshot', '-o', join(dir, 'refused.heapsnapshot')], { env });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /INSUFFICIENT_MEMORY|needs about \d+ MiB more memory/);
      const file = join(dir, 'forced.heapsnapshot');
      const forced = await runCli(['heapsnapshot', '--force', '-o', file], { env });
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(forced.stdout.trim(), file);
      assertWholeSnapshotWithPlantedObjects(readFileSync(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a scheduled snapshot that does not fit when it fires ends failed with the same reason', async () => {
    const job = (await request(`${app.url}/heapsnapshot?delay=1`, { token: app.tokens.heap })).json();
    const failed = await eventually(async () => {
      const state = (await request(`${app.url}/dumps/${job.id}`, { token: app.tokens.reader })).json();
      return state.status === 'failed' ? state : undefined;
    });
    assert.match(failed.error, /needs about \d+ MiB more memory/);
  });
});
