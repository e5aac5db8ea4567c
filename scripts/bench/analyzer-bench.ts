import { existsSync, statSync } from 'node:fs';
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
  theirs: { ms: number[]; peakRss: number[]; failed?: string };
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

/**
 * A snapshot of `items` small objects, written by a fresh process with V8's own writer. A file left by an
 * earlier run with the same count is reused when ANALYZER_SNAPSHOT_DIR names where to keep them: the one of
 * 6,000,000 objects (1.6 GB) takes V8 many minutes and gigabytes to write.
 */
async function benchSnapshot(dir: string, items: number, log: (line: string) => void): Promise<{ file: string; bytes: number }> {
  const keep = process.env.ANALYZER_SNAPSHOT_DIR;
  const file = join(keep ?? dir, `bench-${items}.heapsnapshot`);
  if (keep !== undefined && existsSync(file)) {
    log(`  reusing ${file}`);
    return { file, bytes: statSync(file).size };
  }
  const { child, info } = await startChild<{ bytes: number }>('analyzer-heap-app.js', [file, String(items)], { nodeArgs: ['--max-old-space-size=16384'] });
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  return { file, bytes: info.bytes };
}

export async function runAnalyzerBench(items: number, runs: number, log: (line: string) => void): Promise<AnalyzerFigures> {
  const dir = makeTempDir();
  try {
    const { file, bytes } = await benchSnapshot(dir, items, log);
    const info = { bytes };
    log(`  snapshot of ${items.toLocaleString('en-US')} small objects: ${mebibytes(info.bytes)}`);
    const figures: AnalyzerFigures = { items, fileBytes: info.bytes, runs, ours: { ms: [], peakRss: [] }, theirs: { ms: [], peakRss: [] } };
    for (let run = 0; run < runs; run++) {
      // Alternate which goes first, so drift of the machine hits both alike.
      const order: Array<'ours' | 'vscode'> = run % 2 === 0 ? ['ours', 'vscode'] : ['vscode', 'ours'];
      for (const which of order) {
        // Their parser is WebAssembly (32-bit: at most 4 GiB of memory); on a large snapshot it may fail,
        // which is recorded as its result rather than ending the bench.
        if (which === 'vscode' && figures.theirs.failed !== undefined) continue;
        let result: RunInfo;
        try {
          result = await runOnce(which, file);
        } catch (error) {
          if (which === 'ours') throw error;
          figures.theirs.failed = (error as Error).message;
          log(`  run ${run + 1} @vscode/v8-heap-parser: failed (${figures.theirs.failed})`);
          continue;
        }
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

/** The section of docs/benchmarks.md: one row per snapshot size, ours and theirs. */
export function analyzerSection(all: AnalyzerFigures[], meta: { command: string; machine: string; date: string }): string {
  const rows: string[] = [];
  const notes: string[] = [];
  for (const figures of all) {
    const ours = { ms: median(figures.ours.ms), rss: median(figures.ours.peakRss) };
    const size = `${figures.items.toLocaleString('en-US')} objects, ${mebibytes(figures.fileBytes)}`;
    rows.push(`| ${size} | \`analyze\` (${figures.ours.ms.length} runs) | ${(ours.ms / 1000).toFixed(2)} s | ${mebibytes(ours.rss)} | ${(ours.rss / figures.fileBytes).toFixed(2)}x |`);
    const rssGoal = `peak RSS ${(ours.rss / figures.fileBytes).toFixed(2)}x the file, ${ours.rss <= figures.fileBytes ? '**met**' : '**not met**'} (goal <= 1.0x)`;
    if (figures.theirs.ms.length === 0) {
      rows.push(`| ${size} | @vscode/v8-heap-parser | failed | | |`);
      notes.push(`- ${size}: @vscode/v8-heap-parser failed (${figures.theirs.failed ?? 'no run'}); ${rssGoal}; ${(figures.fileBytes / 1e6 / (ours.ms / 1000)).toFixed(0)} MB/s.`);
      continue;
    }
    const theirs = { ms: median(figures.theirs.ms), rss: median(figures.theirs.peakRss) };
    rows.push(`| ${size} | @vscode/v8-heap-parser (${figures.theirs.ms.length} runs) | ${(theirs.ms / 1000).toFixed(2)} s | ${mebibytes(theirs.rss)} | ${(theirs.rss / figures.fileBytes).toFixed(2)}x |`);
    notes.push(
      `- ${size}: time ${(ours.ms / theirs.ms).toFixed(2)}x theirs, ${ours.ms <= theirs.ms ? '**met**' : '**not met**'} (goal <= 1.0x); ` +
        `${rssGoal}, ${(ours.rss / theirs.rss).toFixed(2)}x theirs; ${(figures.fileBytes / 1e6 / (ours.ms / 1000)).toFixed(0)} MB/s of snapshot, reading and analysis together.`,
    );
  }
  return [
    `From \`${meta.command}\` on ${meta.machine}, ${meta.date}: snapshots (V8's \`writeHeapSnapshot\`) of small objects, ` +
      'each analyzed in a fresh process, ours and theirs alternating; medians. ' +
      '`analyze` reads the file as a stream and runs the whole analysis (summary with retained sizes, suspects with paths, duplicated strings, collections); ' +
      '@vscode/v8-heap-parser decodes the file read whole and computes its class groups (the Summary view). Time is from the start of reading to the result; ' +
      "peak RSS is the whole process's (the kernel's high-water mark).",
    '',
    '| snapshot | analyzer | time | peak RSS | peak RSS / file |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...notes,
  ].join('\n');
}
