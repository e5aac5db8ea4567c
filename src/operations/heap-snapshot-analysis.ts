import { analyzeHeap, type HeapReport } from '../heap-analysis/analyze-heap.js';
import { HeapSnapshotReader } from '../heapsnapshot/read-heap-snapshot.js';
import { MaintenanceError } from '../errors.js';
import { targetMode, type CdpTarget } from '../targets/target.js';
import type { ArtifactKind, ProduceOptions } from './artifacts/artifact-kind.js';

/**
 * Refuses, before anything is asked of the target, to analyze where the analysis would share the app's
 * process (worker and router mode): holding a graph of the heap next to the heap is what a leaking app
 * cannot afford. A sidecar is another process.
 */
export function requireOutOfProcess(target: CdpTarget, base: string): void {
  const mode = targetMode(target.capabilities);
  if (mode === 'sidecar') return;
  throw new MaintenanceError(
    'ANALYSIS_NOT_IN_APP',
    `This endpoint runs in the app's process (${mode} mode), where a heap analysis would hold a graph of the heap beside it. ` +
      `Analyze off the app: maintenance-endpoint heapsnapshot --analyze --url ${base} (or maintenance-endpoint analyze ${base}/heapsnapshot), or through a sidecar (maintenance-endpoint serve).`,
    { details: { mode } },
  );
}

/**
 * Takes the target's heap snapshot and analyzes it in this process as its chunks stream by: each goes into
 * the reader and is dropped, the text is never held. Resolves with the report and the snapshot's facts.
 */
export async function analyzeHeapSnapshotOf(
  target: CdpTarget,
  snapshot: ArtifactKind,
  params: Record<string, unknown>,
  top: number,
  options: ProduceOptions,
): Promise<{ report: HeapReport; facts: Record<string, unknown> }> {
  const reader = new HeapSnapshotReader();
  const facts = await snapshot.produce(
    target,
    params as never,
    {
      write: (chunk) => reader.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk),
      whenWritable: () => undefined,
      warn: () => {},
      filePath: undefined,
    },
    options,
  );
  options.progress({ phase: 'analyzing', bytesRead: reader.bytesRead });
  return { report: analyzeHeap(reader.end(), { top }), facts };
}
