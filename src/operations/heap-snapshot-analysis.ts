import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { analyzeHeap, type HeapReport } from '../heap-analysis/analyze-heap.js';
import { classGrowth, type ClassGrowth } from '../heap-analysis/class-growth.js';
import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import { HeapSnapshotReader } from '../heapsnapshot/read-heap-snapshot.js';
import { MaintenanceError, notFound, operationInProgress } from '../errors.js';
import { redactHeapSnapshot } from '../snapshot-redaction/redact-heap-snapshot.js';
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
  let facts: Record<string, unknown>;
  try {
    facts = await snapshot.produce(
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
  } catch (error) {
    reader.abort();
    throw error;
  }
  options.progress({ phase: 'analyzing', bytesRead: reader.bytesRead });
  return { report: analyzeHeap(reader.end(), { top }), facts };
}

let analyzing = false;

/**
 * Reads a stored snapshot file into a graph, through the redaction when the file is not known to be
 * redacted (a snapshot Node wrote itself near its heap limit), so that the report's string previews
 * say no more than the file would to the same token. O_NOFOLLOW: a link put in the store is refused.
 */
async function readStoredSnapshot(path: string, redact: boolean): Promise<HeapGraph> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => {
    throw notFound('No such dump.');
  });
  const reader = new HeapSnapshotReader();
  const stream = handle.createReadStream({ highWaterMark: 1 << 20 });
  const source: AsyncIterable<Buffer> = redact ? stream.pipe(redactHeapSnapshot()) : stream;
  try {
    for await (const chunk of source) reader.write(chunk);
  } catch (error) {
    reader.abort();
    throw error;
  } finally {
    stream.destroy();
  }
  return reader.end();
}

export interface StoredSnapshot {
  path: string;
  /** Redact its strings as it is read (it is not known to be redacted, and the caller did not ask for it raw). */
  redact: boolean;
}

/**
 * The report of one stored snapshot, or, given a `base`, the growth by constructor from `base` to it.
 * One at a time in this process: each holds a graph of a whole heap. Each graph is dropped before the
 * next is read.
 */
export async function analyzeStoredSnapshots(snapshot: StoredSnapshot, base: StoredSnapshot | undefined, top: number): Promise<HeapReport | { basis: 'constructor'; growth: ClassGrowth[] }> {
  if (analyzing) throw operationInProgress('heap snapshot analysis', 5);
  analyzing = true;
  try {
    if (base === undefined) return analyzeHeap(await readStoredSnapshot(snapshot.path, snapshot.redact), { top });
    const before = analyzeHeap(await readStoredSnapshot(base.path, base.redact), { top }).classes;
    const after = analyzeHeap(await readStoredSnapshot(snapshot.path, snapshot.redact), { top }).classes;
    return { basis: 'constructor', growth: classGrowth(before, after).slice(0, top) };
  } finally {
    analyzing = false;
  }
}
