import { join } from 'node:path';
import { makeTempDir, removeTempDir, startChild } from './processes.js';
import { median } from './statistics.js';
import { mebibytes } from './units.js';

/**
 * The heap snapshot analyzer against @vscode/v8-heap-parser on the same snapshot file: each run a fresh
 * process (analyzer-run.ts), the two alternating. Ours reads the file as a stream and runs the whole
 * analysis (`analyze --json`); theirs decodes the file's bytes and computes its class groups (the
 * Summary view). Figures: wall time from the start of reading to the result, and the process's peak RSS.
 */
export interface AnalyzerFigures {
  items: number;
  fileBytes: number;
  runs: number;
  ours: { ms: number[]; peakRss: number[] };
  theirs: { ms: number[]; peakRss: number[] };
}

interface RunInfo {
  ms: number;
  peakRss: number;
}

async function runOnce(which: 'ours' | 'vscode', file: string): Promise<RunInfo> {
  const { child, info } = await startChild<RunInfo>('analyzer-run.js', [which, file], { nodeArgs: ['--max-old-space-size=16384'] });
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  return info;
}

export async function runAnalyzerBench(items: number, runs: number, log: (line: string) => void): Promise<AnalyzerFigures> {
  const dir = makeTempDir();
  try {
    const file = join(dir, 'bench.heapsnapshot');
    const { child, info } = await startChild<{ bytes: number }>('analyzer-heap-app.js', [file, String(items)], { nodeArgs: ['--max-old-space-size=8192'] });
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    log(`  snapshot of ${items.toLocaleString('en-US')} small objects: ${mebibytes(info.bytes)}`);
    const figures: AnalyzerFigures = { items, fileBytes: info.bytes, runs, ours: { ms: [], peakRss: [] }, theirs: { ms: [], peakRss: [] } };
    for (let run = 0; run < runs; run++) {
      // Alternate which goes first, so drift of the machine hits both alike.
      const order: Array<'ours' | 'vscode'> = run % 2 === 0 ? ['ours', 'vscode'] : ['vscode', 'ours'];
      for (const which of order) {
        const result = await runOnce(which, file);
        const into = which === 'ours' ? figures.ours : figures.theirs;
        into.ms.push(result.ms);
        into.peakRss.push(result.peakRss);
        log(`  run ${run + 1} ${which === 'ours' ? 'analyze' : '@vscode/v8-heap-parser'}: ${(result.ms / 1000).toFixed(2)} s, peak RSS ${mebibytes(result.peakRss)}`);
      }
    }
    return figures;
  } finally {
    removeTempDir(dir);
  }
}

/** The section of docs/benchmarks.md. */
export function analyzerSection(figures: AnalyzerFigures, meta: { command: string; machine: string; date: string }): string {
  const ours = { ms: median(figures.ours.ms), rss: median(figures.ours.peakRss) };
  const theirs = { ms: median(figures.theirs.ms), rss: median(figures.theirs.peakRss) };
  const mbPerSecond = figures.fileBytes / 1e6 / (ours.ms / 1000);
  return [
    `From \`${meta.command}\` on ${meta.machine}, ${meta.date}: one snapshot (V8's \`writeHeapSnapshot\`) of ${figures.items.toLocaleString('en-US')} small objects, ` +
      `${mebibytes(figures.fileBytes)}, analyzed ${figures.runs} times each way, each run a fresh process, the two alternating; medians. ` +
      '`analyze` reads the file as a stream and runs the whole analysis (summary with retained sizes, suspects with paths, duplicated strings, collections); ' +
      '@vscode/v8-heap-parser decodes the file read whole and computes its class groups (the Summary view). Time is from the start of reading to the result; ' +
      'peak RSS is the whole process\'s (the kernel\'s high-water mark).',
    '',
    '| | time | peak RSS | peak RSS / file |',
    '| --- | --- | --- | --- |',
    `| \`analyze\` | ${(ours.ms / 1000).toFixed(2)} s | ${mebibytes(ours.rss)} | ${(ours.rss / figures.fileBytes).toFixed(2)}x |`,
    `| @vscode/v8-heap-parser | ${(theirs.ms / 1000).toFixed(2)} s | ${mebibytes(theirs.rss)} | ${(theirs.rss / figures.fileBytes).toFixed(2)}x |`,
    '',
    `- Time: ${(ours.ms / theirs.ms).toFixed(2)}x theirs, ${ours.ms <= theirs.ms ? '**met**' : '**not met**'} (goal <= 1.0x); ${mbPerSecond.toFixed(0)} MB/s of snapshot, reading and analysis together.`,
    `- Peak RSS: ${(ours.rss / theirs.rss).toFixed(2)}x theirs; ${(ours.rss / figures.fileBytes).toFixed(2)}x the file, ${ours.rss <= figures.fileBytes ? '**met**' : '**not met**'} (goal <= 1.0x the file).`,
  ].join('\n');
}
