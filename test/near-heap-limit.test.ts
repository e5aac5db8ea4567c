import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { armHeapSnapshotNearHeapLimit, findNearHeapLimitSnapshots } from '../src/operations/near-heap-limit.js';
import { RemoteInspectorTarget } from '../src/targets/remote-inspector-target.js';
import { startFixture } from './helpers/fixture.js';

describe('near-heap-limit snapshot', () => {
  const diagnosticDir = mkdtempSync(join(tmpdir(), 'maintenance-endpoint-near-limit-'));
  after(() => rmSync(diagnosticDir, { recursive: true, force: true }));

  test('armed at run time through the inspector, a process that runs out of heap leaves a whole snapshot where it says', async () => {
    const app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0', '--max-old-space-size=64', `--diagnostic-dir=${diagnosticDir}`] });
    let target: RemoteInspectorTarget | undefined;
    try {
      target = await RemoteInspectorTarget.connect({ host: '127.0.0.1', port: app.inspectorPort! });
      const arming = await armHeapSnapshotNearHeapLimit(target);
      assert.deepEqual([arming.armedNow, arming.directory, arming.directorySource, arming.pid], [true, diagnosticDir, '--diagnostic-dir', app.child.pid]);
      await target.close();
      target = undefined;

      const exited = new Promise<string | null>((resolve) => app.child.once('exit', (_code, signal) => resolve(signal)));
      // Arrays of doubles, 1 MiB each: the heap runs out within a second, and the snapshot of few, large
      // objects is quick; a leak of many small objects could thrash near the limit for minutes first.
      app.child.send({ cmd: 'grow', mb: 1000 });
      assert.equal(await exited, 'SIGABRT', 'V8 aborts the process when the heap is exhausted');

      const snapshots = findNearHeapLimitSnapshots(arming.directory, arming.pid);
      assert.equal(snapshots.length, 1);
      const snapshot = JSON.parse(readFileSync(snapshots[0]!, 'utf8')) as { snapshot: { meta: { node_fields: string[] }; node_count: number } };
      assert.ok(snapshot.snapshot.meta.node_fields.includes('self_size'));
      assert.ok(snapshot.snapshot.node_count > 1000);
    } finally {
      await target?.close();
      await app.stop();
    }
  });
});
