import { InspectorSessionTarget } from '../targets/inspector-session-target.js';
import type { CdpTarget } from '../targets/target.js';
import { heapUsage, type HeapUsage } from './heap-usage.js';

export interface GarbageCollectionResult {
  before: HeapUsage;
  after: HeapUsage;
  freedBytes: number;
  durationMs: number;
}


/** A full, compacting garbage collection of the target's heap, with the heap in use before and after. */
export async function collectGarbage(target: CdpTarget): Promise<GarbageCollectionResult> {
  const before = await heapUsage(target);
  const started = performance.now();
  await target.send('HeapProfiler.collectGarbage');
  const durationMs = performance.now() - started;
  const after = await heapUsage(target);
  return {
    before: pick(before),
    after: pick(after),
    freedBytes: Math.max(0, before.usedSize - after.usedSize),
    durationMs: Math.round(durationMs * 10) / 10,
  };
}

function pick(usage: HeapUsage): HeapUsage {
  return { usedSize: usage.usedSize, totalSize: usage.totalSize };
}

/**
 * One full garbage collection of the calling thread's own heap, through a session of its own: for what
 * an idle thread keeps and V8 would collect only much later (the buffers a relayed heap snapshot left, the
 * server thread's start-up garbage). In worker mode that is the endpoint's own small heap, never the app's;
 * in router mode the app's, a pause far shorter than a snapshot's own freeze. The session is closed after
 * the answer, outside its callback: one closed inside it keeps the thread waiting for its debugger at exit.
 * Never throws.
 */
export async function collectOwnThreadGarbage(): Promise<void> {
  let session: InspectorSessionTarget | undefined;
  try {
    session = InspectorSessionTarget.sameThread();
    await session.send('HeapProfiler.collectGarbage');
  } catch {
    // No inspector on this thread (a process started with --no-inspector?): the garbage waits for V8's own GC.
  } finally {
    await session?.close().catch(() => {});
  }
}
