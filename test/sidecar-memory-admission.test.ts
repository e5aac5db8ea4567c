import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { processStartTime } from '../src/process/process-liveness.js';
import { readMemoryBudget } from '../src/probe/memory-limit.js';
import { evaluate } from '../src/targets/protocol.js';
import { budgetFromReportedMemory, readReportedMemory } from '../src/operations/target-reported-memory.js';
import { RemoteInspectorTarget } from '../src/targets/remote-inspector-target.js';
import { runCli, startSidecar, type Sidecar } from './helpers/cli.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { request } from './helpers/http.js';

const MiB = 1024 * 1024;

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

describe('memory admission for a sidecar', () => {
  let app: Fixture;
  let sidecar: Sidecar;
  // Far below what a snapshot of any heap needs: every snapshot is refused.
  const memoryLimit = 64 * MiB;
  before(async () => {
    app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'] });
    await app.command({ cmd: 'grow-objects', count: 300_000 }, 'grown');
    sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`, '--memory-limit', String(memoryLimit)]);
  });
  after(async () => {
    await sidecar.stop();
    await app.stop();
  });

  test('serve --memory-limit below the estimate: 503 INSUFFICIENT_MEMORY with the figures, nothing taken', async () => {
    const reply = await request(`${sidecar.url}/heapsnapshot`, { token: sidecar.token });
    assert.equal(reply.status, 503);
    const { error } = reply.json();
    assert.equal(error.code, 'INSUFFICIENT_MEMORY');
    assert.equal(error.source, 'option');
    assert.equal(error.limitBytes, memoryLimit);
    assert.equal(typeof error.availableBytes, 'number');
    assert.ok(error.availableBytes < memoryLimit, 'what the target already uses is taken off the limit');
    assert.ok(error.estimateBytes > error.availableBytes, JSON.stringify(error));
    const audit = readFileSync(join(sidecar.dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
    assert.ok(!audit.some((line) => line.path === '/ops/heapsnapshot' && line.event === 'started'), 'no snapshot was started');
    const index = (await request(`${sidecar.url}/`, { token: sidecar.token })).json();
    assert.equal(index.heapSnapshotEstimate.fits, false);
    assert.equal(index.heapSnapshotEstimate.limitBytes, memoryLimit);
  });

  test('--memory-limit must be a positive number of bytes', async () => {
    const result = await runCli(['serve', '--target', `127.0.0.1:${app.inspectorPort}`, '--memory-limit', '2G']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--memory-limit must be a positive whole number of bytes/);
  });
});

describe("the target's own memory figures, read over the protocol", () => {
  let app: Fixture;
  let target: RemoteInspectorTarget;
  before(async () => {
    app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'] });
    target = await RemoteInspectorTarget.connect({ host: '127.0.0.1', port: app.inspectorPort! });
  });
  after(async () => {
    await target.close();
    await app.stop();
  });

  test("they are the target's, not this process's: its RSS, its host's memory, and Node's view of its cgroup", async () => {
    const reported = await readReportedMemory(target);
    const rss = rssOf(app.child.pid!);
    assert.ok(Math.abs(reported.rss - rss) < 16 * MiB, `reported RSS ${reported.rss} vs /proc ${rss}`);
    assert.equal(reported.total, totalmem(), 'the same host');
    assert.ok(reported.free > 0 && reported.free <= reported.total);
    assert.equal(typeof reported.constrained, 'number', 'process.constrainedMemory exists on every supported Node');
    assert.equal(typeof reported.available, 'number', 'process.availableMemory exists on every supported Node');
  });

  test('the budget they give matches the one read from /proc for the same process', async () => {
    const reported = await readReportedMemory(target);
    const fromProtocol = budgetFromReportedMemory(reported, undefined);
    const fromProc = readMemoryBudget({ pid: app.child.pid! });
    // Node reads the cgroup itself; /proc adds v1 and unlimited cgroups, where both fall back to the host.
    if (fromProc.source === 'cgroup-v2' || fromProc.source === 'cgroup-v1') {
      assert.equal(fromProtocol.source, 'process.constrainedMemory');
      assert.equal(fromProtocol.limitBytes, fromProc.limitBytes);
    } else {
      assert.equal(fromProtocol.source, 'physical');
      assert.equal(fromProtocol.limitBytes, totalmem());
    }
    const slack = 256 * MiB; // other processes on a shared machine move free memory between the two reads
    assert.ok(Math.abs(fromProtocol.availableBytes! - fromProc.availableBytes!) < slack, `${fromProtocol.availableBytes} vs ${fromProc.availableBytes}`);

    const limit = 512 * MiB;
    const withLimit = budgetFromReportedMemory(reported, limit);
    assert.equal(withLimit.source, 'option');
    assert.equal(withLimit.limitBytes, limit);
    assert.equal(withLimit.availableBytes, Math.min(limit - reported.rss, reported.free));
  });
});

describe('a sidecar whose target cannot be matched in /proc (another pid namespace or host) still checks', () => {
  let app: Fixture;
  let sidecar: Sidecar | undefined;
  before(async () => {
    // The pid's start time in /proc is 4 s before Node's time origin: no longer provably the target.
    app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'], execAfterSeconds: 4 });
    await app.command({ cmd: 'grow-objects', count: 300_000 }, 'grown');
  });
  after(async () => {
    await sidecar?.stop();
    await app.stop();
  });

  test('the pid in /proc does not match the target', async () => {
    const target = await RemoteInspectorTarget.connect({ host: '127.0.0.1', port: app.inspectorPort! });
    try {
      const timeOrigin = await evaluate<number>(target, 'time origin', 'performance.timeOrigin');
      assert.ok(timeOrigin - processStartTime(app.child.pid!)! > 3000, 'started well before Node began');
    } finally {
      await target.close();
    }
  });

  test("without a limit: the index's estimate is checked against what the target reports", async () => {
    const unlimited = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`]);
    try {
      const estimate = (await request(`${unlimited.url}/`, { token: unlimited.token })).json().heapSnapshotEstimate;
      assert.equal(estimate.checked, true, JSON.stringify(estimate));
      assert.ok(['physical', 'process.constrainedMemory'].includes(estimate.source), estimate.source);
      assert.equal(typeof estimate.availableBytes, 'number');
    } finally {
      await unlimited.stop();
    }
  });

  test('serve --memory-limit below the estimate: 503 INSUFFICIENT_MEMORY with the figures', async () => {
    const memoryLimit = 64 * MiB;
    sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`, '--memory-limit', String(memoryLimit)]);
    const reply = await request(`${sidecar.url}/heapsnapshot`, { token: sidecar.token });
    assert.equal(reply.status, 503);
    const { error } = reply.json();
    assert.equal(error.code, 'INSUFFICIENT_MEMORY');
    assert.equal(error.source, 'option');
    assert.equal(error.limitBytes, memoryLimit);
    assert.ok(error.availableBytes < memoryLimit - 16 * MiB, `the target's own RSS is taken off the limit: ${JSON.stringify(error)}`);
    assert.ok(error.estimateBytes > error.availableBytes);
  });
});
