import type { HeapReport } from '../heap-analysis/analyze-heap.js';
import { HeapSnapshotReader } from '../heapsnapshot/read-heap-snapshot.js';
import { analyzeHeap } from '../heap-analysis/analyze-heap.js';
import { CliError } from './cli-error.js';
import type { OptionTable } from './command-spec.js';

export const DEFAULT_TOP = 10;

export const TOP_OPTION = {
  top: { type: 'string', value: 'N', help: `how many classes, suspects, strings and collections to list (default ${DEFAULT_TOP})` },
} as const satisfies OptionTable;

/** --top's value, checked: 1 to 10000, DEFAULT_TOP when absent. */
export function parseTop(value: unknown): number {
  const top = value === undefined ? DEFAULT_TOP : Number(value);
  if (!Number.isInteger(top) || top < 1 || top > 10_000) throw new CliError('--top must be a whole number from 1 to 10000.', 2);
  return top;
}

/** The report as the CLI's JSON prints it (docs/heap-analysis.md): every list cut to `top`. */
export const reportJson = (report: HeapReport, top: number): HeapReport => ({ ...report, classes: report.classes.slice(0, top) });

/**
 * Reads a snapshot from the chunks of a download as they go by to its file: `tap` takes each chunk, `report`
 * analyzes what was read. A snapshot the reader refuses does not stop the download (the file is kept, as
 * the endpoint sent it); `report` then says why there is no analysis.
 */
export function analyzingTap(): { tap: (chunk: Buffer) => void; report: (top: number) => HeapReport } {
  const reader = new HeapSnapshotReader();
  let failure: Error | undefined;
  return {
    tap(chunk) {
      if (failure !== undefined) return;
      try {
        reader.write(chunk);
      } catch (error) {
        failure = error as Error;
      }
    },
    report(top) {
      try {
        if (failure !== undefined) throw failure;
        return analyzeHeap(reader.end(), { top });
      } catch (error) {
        throw new CliError(`The snapshot was saved but could not be analyzed: ${(error as Error).message}`);
      }
    },
  };
}
