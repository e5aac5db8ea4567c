import { runSnapshotScenario, type RunOptions, type SnapshotRun } from './snapshot-run.js';
import { mebibytes, seconds } from './units.js';

/** The size a snapshot must pass to show what the classic recipe cannot do (V8 strings stop at 512 MiB). */
export const HUGE_SNAPSHOT_BYTES = 600_000_000;

export interface HugeResult {
  items: number;
  /** Worker mode, with the whole download checked by the streaming structure check. */
  worker: SnapshotRun;
  classic: SnapshotRun;
}

/** A heap whose snapshot is over 600 MB: through worker mode, then through the classic recipe. */
export async function runHugeSnapshot(items: number, options: RunOptions, log: (line: string) => void): Promise<HugeResult> {
  const worker = await runSnapshotScenario('worker', items, { ...options, checkStructure: true });
  log(`  worker  ${describeWorker(worker)}`);
  const classic = await runSnapshotScenario('classic', items, options);
  log(`  classic ${describeClassic(classic)}`);
  return { items, worker, classic };
}

function describeWorker(run: SnapshotRun): string {
  if (run.error !== null) return `FAILED after ${seconds(run.seconds)}: ${run.error}`;
  const structure = run.structure!;
  const bigEnough = run.bytes > HUGE_SNAPSHOT_BYTES ? '' : ` (under ${HUGE_SNAPSHOT_BYTES.toLocaleString('en-US')} bytes: the heap is too small for this demonstration)`;
  return (
    `${run.bytes.toLocaleString('en-US')} bytes (${mebibytes(run.bytes)})${bigEnough} in ${seconds(run.seconds)}, extra peak RSS ${mebibytes(run.extraPeakRss)}; ` +
    `whole: one JSON object with keys ${structure.keys.join(', ')}; ${structure.arrayLengths.nodes!.toLocaleString('en-US')} node values for ` +
    `${structure.nodeCount.toLocaleString('en-US')} nodes and ${structure.arrayLengths.edges!.toLocaleString('en-US')} edge values for ` +
    `${structure.edgeCount.toLocaleString('en-US')} edges, as the header announces; ${structure.arrayLengths.strings?.toLocaleString('en-US') ?? 'no'} strings`
  );
}

function describeClassic(run: SnapshotRun): string {
  if (run.error === null) return `succeeded: ${mebibytes(run.bytes)} in ${seconds(run.seconds)}`;
  return `failed after ${seconds(run.seconds)} (extra peak RSS ${mebibytes(run.extraPeakRss)}): ${run.error}`;
}

/** The result as Markdown, for the docs. */
export function hugeSection(result: HugeResult): string {
  const heapUsed = mebibytes(result.worker.heapUsed);
  return [
    `${result.items.toLocaleString('en-US')} items, heapUsed ${heapUsed}, each way in a fresh process as above.`,
    '',
    `- **worker**: ${describeWorker(result.worker)}.`,
    `- **classic**: ${describeClassic(result.classic)}.`,
  ].join('\n');
}
