import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readdirSync, rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { AuditLogger } from '../src/log/audit-logger.js';
import { OperationRegistry } from '../src/operations/operation-registry.js';
import { newDumpId } from '../src/scheduling/dump-id.js';
import { DumpScheduler } from '../src/scheduling/dump-scheduler.js';
import { DumpStore } from '../src/scheduling/dump-store.js';
import { InspectorSessionTarget } from '../src/targets/inspector-session-target.js';
import type { CdpTarget } from '../src/targets/target.js';
import { eventually } from './helpers/http.js';

/**
 * A protocol target whose heap snapshot writes some chunks, then fails (as when the inspected process
 * dies mid-snapshot) or, with `failAfterMs` unset, finishes after `durationMs`. Every other command
 * (the memory admission's figures, the release after a snapshot) goes to a real session on this thread.
 */
class ScriptedSnapshotTarget implements CdpTarget {
  readonly capabilities = { progressEvents: false, sameThread: false, sharedFileSystem: false };
  readonly #events = new EventEmitter();
  readonly #real = InspectorSessionTarget.sameThread();
  constructor(private readonly script: { chunks: number; durationMs: number; fail: boolean }) {}

  async send<T>(method: string, params?: object): Promise<T> {
    if (method !== 'HeapProfiler.takeHeapSnapshot') return this.#real.send<T>(method, params);
    for (let i = 0; i < this.script.chunks; i++) this.#events.emit('HeapProfiler.addHeapSnapshotChunk', { chunk: `{"chunk":${i}}`.padEnd(64 * 1024) });
    await new Promise((resolve) => setTimeout(resolve, this.script.durationMs));
    if (this.script.fail) throw new Error('Inspector session closed');
    return {} as T;
  }
  on(event: string, listener: (params: any) => void): void {
    this.#events.on(event, listener);
  }
  off(event: string, listener: (params: any) => void): void {
    this.#events.off(event, listener);
  }
  async processId(): Promise<number> {
    return process.pid;
  }
  async close(): Promise<void> {
    await this.#real.close();
  }
}

function schedulerWith(target: CdpTarget): DumpScheduler {
  const store = new DumpStore(DumpStore.createDirectory(), { maxBytes: 1e9, maxFiles: 10, maxAgeMs: 3_600_000, reserveBytes: 0 });
  return new DumpScheduler({ store, target, operations: new OperationRegistry(), probe: undefined, log: new AuditLogger('/dev/null'), options: { maxPendingJobs: 5, staging: { memoryLimitBytes: 1024 * 1024, tmpdir: undefined }, limits: { maxProfileSeconds: 60, memoryLimit: undefined } } });
}

const soon = () => ({ type: 'at' as const, at: new Date(Date.now() + 10).toISOString() });
const snapshot = { kind: 'heapsnapshot' as const, extension: 'heapsnapshot', params: {} };

describe('DumpScheduler', () => {
  test('a job that fails midway is marked failed and leaves no file', async () => {
    const scheduler = schedulerWith(new ScriptedSnapshotTarget({ chunks: 20, durationMs: 50, fail: true }));
    try {
      const job = scheduler.schedule(snapshot, soon());
      const failed = await eventually(async () => (scheduler.get(job.id)?.status === 'failed' ? scheduler.get(job.id) : undefined), 5000);
      assert.match(failed!.error!, /Inspector session closed/);
      assert.equal(failed!.size, null);
      assert.deepEqual(readdirSync(scheduler.store.directory), []);
      assert.equal(scheduler.filePath(job.id), undefined);
    } finally {
      scheduler.close();
    }
  });

  test('a running job deleted midway leaves no file, and close() removes the directory', async () => {
    const scheduler = schedulerWith(new ScriptedSnapshotTarget({ chunks: 20, durationMs: 300, fail: false }));
    const directory = scheduler.store.directory;
    try {
      const job = scheduler.schedule(snapshot, soon());
      await eventually(async () => scheduler.get(job.id)?.status === 'running', 5000);
      assert.deepEqual(readdirSync(directory), [`${job.id}.partial`], 'written as a partial file');
      assert.equal(scheduler.delete(job.id), true);
      // The deleted job's partial file goes once its snapshot call returns (300 ms on), after closing it.
      await eventually(async () => readdirSync(directory).length === 0, 20_000, 'the partial file to be removed');
      const done = scheduler.schedule(snapshot, soon());
      await eventually(async () => scheduler.get(done.id)?.status === 'ready', 5000);
      assert.deepEqual(readdirSync(directory), [`${done.id}.heapsnapshot`]);
    } finally {
      scheduler.close();
    }
    assert.throws(() => readdirSync(directory), { code: 'ENOENT' });
    rmSync(directory, { recursive: true, force: true });
  });
});

describe('a dump that fills the disk', () => {
  test('the write error fails the dump instead of escaping into the producer; no descriptor or file is left', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const parent = mkdtempSync(join(tmpdir(), 'me-full-'));
    try {
      const script = fileURLToPath(new URL('./fixtures/full-disk-writer.js', import.meta.url));
      // 256 blocks of 512 bytes: the 1 MiB the script writes does not fit.
      const output = execFileSync('/bin/sh', ['-c', 'ulimit -f 256 && exec "$@"', 'sh', process.execPath, script, parent], { encoding: 'utf8' });
      const result = JSON.parse(output) as { writeThrew: boolean; completeError: string; openOnStore: number; files: string[] };
      assert.deepEqual(result, { writeThrew: false, completeError: 'EFBIG', openOnStore: 0, files: [] });
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

test('dump ids are 22 base64url characters and never start with -, so a command line never reads one as an option', () => {
  const ids = Array.from({ length: 5000 }, () => newDumpId());
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  assert.equal(new Set(ids).size, ids.length);
});
