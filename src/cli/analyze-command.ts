import { analyzeHeap, type HeapReport } from '../heap-analysis/analyze-heap.js';
import { classGrowth } from '../heap-analysis/class-growth.js';
import { readHeapSnapshot } from '../heapsnapshot/read-heap-snapshot.js';
import { CliError } from './cli-error.js';
import { defineCommand } from './command-spec.js';
import { growthText, heapReportText } from './heap-report-text.js';
import { printJson } from './output.js';
import { ProgressBar } from './progress-bar.js';
import { snapshotSource } from './snapshot-source.js';

const DEFAULT_TOP = 10;

/** Counts the bytes on their way to the reader, for the progress line. */
async function* counted(source: AsyncIterable<Uint8Array>, progress: ProgressBar): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    progress.written(chunk.length);
    yield chunk;
  }
}

/**
 * Reads and analyzes one snapshot; its graph is dropped before the next is read. On a terminal, a line
 * shows the bytes read, then that the analysis runs (minutes for gigabytes); logs and pipes stay clean.
 */
async function analyzeOne(argument: string, tokenFile: string | undefined, top: number): Promise<HeapReport> {
  const progress = new ProgressBar(`analyze: reading ${argument}`);
  const graph = await readHeapSnapshot(counted(await snapshotSource(argument, tokenFile), progress));
  if (process.stderr.isTTY === true) progress.done(`analyze: read ${argument}, ${progress.describeBytes()}; analyzing...`);
  return analyzeHeap(graph, { top });
}

export const analyzeCommand = defineCommand({
  name: 'analyze',
  summary: 'Where the memory is in a heap snapshot: the summary by constructor, leak suspects with their paths, duplicated strings, the biggest collections.',
  arguments: 'FILE|URL|- [B]',
  positionals: { min: 1, max: 2 },
  description: [
    'Runs here, in this process, never in the app: the snapshot is read as it arrives (a file, stdin as -, or an endpoint URL such as BASE/heapsnapshot while it downloads) and never held as text.',
    'Retained sizes are computed as Chrome DevTools computes them. --diff A B lists the classes that grew from A to B, by constructor only. The JSON is described in docs/heap-analysis.md.',
  ],
  options: {
    json: { type: 'boolean', help: 'print the report as JSON on stdout (docs/heap-analysis.md)' },
    top: { type: 'string', value: 'N', help: `how many classes, suspects, strings and collections to list (default ${DEFAULT_TOP})` },
    diff: { type: 'boolean', help: 'compare two snapshots A B: growth by constructor' },
    'token-file': { type: 'string', value: 'FILE', help: 'for a URL: read the bearer token from FILE (or set MAINTENANCE_ENDPOINT_TOKEN)' },
  },
  examples: ['maintenance-endpoint analyze app.heapsnapshot', 'maintenance-endpoint analyze --json --top 20 - < app.heapsnapshot', 'maintenance-endpoint analyze --diff before.heapsnapshot after.heapsnapshot'],
  async run({ values, positionals }) {
    const top = values.top === undefined ? DEFAULT_TOP : Number(values.top);
    if (!Number.isInteger(top) || top < 1 || top > 10_000) throw new CliError('--top must be a whole number from 1 to 10000.', 2);
    const tokenFile = values['token-file'];
    if (values.diff === true) {
      if (positionals.length !== 2) throw new CliError('--diff takes two snapshots: analyze --diff A B.', 2);
      if (positionals.includes('-') && positionals[0] === positionals[1]) throw new CliError('stdin can give one snapshot only.', 2);
      const before = (await analyzeOne(positionals[0]!, tokenFile, top)).classes;
      const after = (await analyzeOne(positionals[1]!, tokenFile, top)).classes;
      const growth = classGrowth(before, after);
      if (values.json === true) printJson(JSON.stringify({ basis: 'constructor', growth: growth.slice(0, top) }, null, 2));
      else printJson(growthText(growth, top));
      return 0;
    }
    if (positionals.length !== 1) throw new CliError('analyze takes one snapshot (or --diff A B).', 2);
    const report = await analyzeOne(positionals[0]!, tokenFile, top);
    if (values.json === true) printJson(JSON.stringify({ ...report, classes: report.classes.slice(0, top) }, null, 2));
    else printJson(heapReportText(report, top));
    return 0;
  },
});
