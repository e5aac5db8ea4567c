import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { estimateSnapshotPeak, type SnapshotEstimateInputs } from '../../src/operations/snapshot-memory-estimate.js';
import { HEAP_SHAPES, type HeapShape } from './heap-shapes.js';
import { script } from './processes.js';
import { MiB } from './units.js';

export interface SnapshotMemoryPoint {
  shape: HeapShape;
  mib: number;
  method: 'write' | 'events';
  heapUsed: number;
  inputs: SnapshotEstimateInputs;
  estimateBytes: number;
  peakExtraBytes: number;
  seconds: number;
}

/**
 * The calibration corpus: every shape at several sizes. Shapes of many objects cost about 8-16 bytes
 * of RSS per heap byte at the snapshot's peak and take about a minute per 100 MiB to snapshot on a
 * small machine, so they stop at 100 MiB (300 MiB with --snapshot-memory-large); shapes of few large
 * objects go to 1 GiB. The chunk-event engine (a sidecar's) is measured on the smallest heap of each
 * shape: its peak was within a few percent of v8.writeHeapSnapshot's on every heap tried.
 */
export function calibrationCorpus(quick: boolean, large = false): Array<{ shape: HeapShape; mib: number; method: 'write' | 'events' }> {
  const sizes = (shape: HeapShape) => (quick ? [20] : shape === 'large-strings' || shape === 'large-arrays' || shape === 'external-buffers' ? [20, 300, 1000] : large ? [20, 100, 300] : [20, 100]);
  return HEAP_SHAPES.flatMap((shape) =>
    sizes(shape).flatMap((mib, index) => (index === 0 ? (['write', 'events'] as const) : (['write'] as const)).map((method) => ({ shape, mib, method }))),
  );
}

/** Measures one heap in a fresh process (see snapshot-memory-app.ts). */
export async function measureSnapshotMemory(shape: HeapShape, mib: number, method: 'write' | 'events'): Promise<SnapshotMemoryPoint> {
  const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=8192', script('snapshot-memory-app.js'), shape, String(mib), method], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let line: string | undefined;
  for await (const text of createInterface({ input: child.stdout })) line ??= text;
  const code = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  if (code !== 0 || line === undefined) throw new Error(`the calibration process for ${shape} ${mib} MiB (${method}) exited with ${String(code)}`);
  return JSON.parse(line) as SnapshotMemoryPoint;
}

export async function runSnapshotMemoryCalibration(quick: boolean, large: boolean, log: (line: string) => void): Promise<SnapshotMemoryPoint[]> {
  const points: SnapshotMemoryPoint[] = [];
  for (const { shape, mib, method } of calibrationCorpus(quick, large)) {
    {
      const point = await measureSnapshotMemory(shape, mib, method);
      points.push(point);
      log(`  ${shape} ${mib} MiB ${method}: heapUsed ${(point.heapUsed / MiB).toFixed(0)} MiB, peak +${(point.peakExtraBytes / MiB).toFixed(0)} MiB, estimate ${(point.estimateBytes / MiB).toFixed(0)} MiB (${(point.estimateBytes / point.peakExtraBytes).toFixed(2)}x), ${point.seconds.toFixed(1)} s`);
    }
  }
  return points;
}

/** The markdown table docs/memory.md shows: measured peak against estimate, per heap. */
export function snapshotMemoryTable(measured: SnapshotMemoryPoint[]): string {
  // Estimated again from the recorded figures, so a table of earlier measurements shows the current model.
  const points = measured.map((point) => ({ ...point, estimateBytes: estimateSnapshotPeak(point.inputs).peakExtraBytes }));
  const rows = ['| heap shape | target size | heapUsed | engine | measured peak extra RSS | estimate | estimate / measured |', '| --- | ---: | ---: | --- | ---: | ---: | ---: |'];
  for (const point of points) {
    rows.push(
      `| ${point.shape} | ${point.mib} MiB | ${(point.heapUsed / MiB).toFixed(0)} MiB | ${point.method} | ${(point.peakExtraBytes / MiB).toFixed(0)} MiB | ${(point.estimateBytes / MiB).toFixed(0)} MiB | ${(point.estimateBytes / point.peakExtraBytes).toFixed(2)} |`,
    );
  }
  const ratios = points.map((point) => point.estimateBytes / point.peakExtraBytes);
  rows.push('', `Estimate / measured: min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)} (goal: at least 1.00, at most 1.50).`);
  return rows.join('\n');
}
