import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OperationAbortedError } from '../src/errors.js';
import { takeHeapSnapshot } from '../src/operations/heap-snapshot.js';
import { pipeHeapSnapshotThroughReaderThread } from '../src/operations/heap-snapshot-pipe.js';
import { InspectorSessionTarget } from '../src/targets/inspector-session-target.js';
import { openDescriptorTargets } from './helpers/descriptors.js';
import { assertStagedWithinMemoryBound } from './helpers/staging.js';

/** This process's descriptors that point into `dir` (spill files are unlinked, but still point there). */
const descriptorsInto = (dir: string): string[] => openDescriptorTargets().filter((target) => target.startsWith(dir));

describe('heap snapshot through a reader thread (a target on this very thread)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'me-pipe-'));
  const target = InspectorSessionTarget.sameThread();
  const retained = Array.from({ length: 50_000 }, (_, i) => ({ plantedForPipeTest: i, text: `pipe-test-${i}` }));
  after(async () => {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('staged across memory and a spill file, handed over whole and in order', async () => {
    const chunks: Buffer[] = [];
    const { stagedOnDiskBytes } = await pipeHeapSnapshotThroughReaderThread(target, (chunk) => void chunks.push(chunk), {
      exposeInternals: false,
      captureNumericValue: false,
      memoryLimitBytes: 1024 * 1024,
      tmpdir: dir,
    });
    const body = Buffer.concat(chunks);
    assertStagedWithinMemoryBound(body.length, stagedOnDiskBytes, 1024 * 1024);
    const snapshot = JSON.parse(body.toString('utf8')) as { snapshot: { node_count: number }; strings: string[] };
    assert.ok(snapshot.snapshot.node_count > retained.length);
    assert.ok(snapshot.strings.includes('plantedForPipeTest'));
    assert.deepEqual(descriptorsInto(dir), []);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('a consumer that stops early leaves no spill file open and nothing on disk', async () => {
    const controller = new AbortController();
    let received = 0;
    await assert.rejects(
      pipeHeapSnapshotThroughReaderThread(
        target,
        (chunk) => {
          received += chunk.length;
          controller.abort(); // the client went away after the first chunk
        },
        { exposeInternals: false, captureNumericValue: false, memoryLimitBytes: 1024 * 1024, tmpdir: dir, signal: controller.signal },
      ),
      OperationAbortedError,
    );
    assert.ok(received > 0 && received < 1024 * 1024, 'stopped while the in-memory part was being handed over');
    assert.deepEqual(descriptorsInto(dir), [], 'the spill file the reader made is closed');
    assert.deepEqual(readdirSync(dir), []);
  });

  test('a pipe engine that cannot start (no private directory for the pipe) falls back to chunk events', async () => {
    const chunks: Buffer[] = [];
    const stats = await takeHeapSnapshot(target, (chunk) => void chunks.push(Buffer.from(chunk)), {
      staging: { memoryLimitBytes: 1024 * 1024, tmpdir: join(dir, 'does-not-exist') },
    });
    assert.equal(stats.stagedOnDiskBytes, 0);
    const snapshot = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { strings: string[] };
    assert.ok(snapshot.strings.includes('plantedForPipeTest'));
    assert.deepEqual(readdirSync(dir), []);
  });
});
