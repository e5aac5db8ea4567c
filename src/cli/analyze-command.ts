import { analyzeHeap, type HeapReport } from '../heap-analysis/analyze-heap.js';
import { classGrowth } from '../heap-analysis/class-growth.js';
import { idIndex, newObjects, survivors } from '../heap-analysis/object-survivors.js';
import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import { readHeapSnapshot } from '../heapsnapshot/read-heap-snapshot.js';
import { CliError } from './cli-error.js';
import { defineCommand } from './command-spec.js';
import { parseTop, reportJson, TOP_OPTION } from './heap-analysis-output.js';
import { growthText, heapReportText, survivorsText } from './heap-report-text.js';
import { printJson } from './output.js';
import { ProgressBar } from './progress-bar.js';
import { snapshotSource } from './snapshot-source.js';


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
async function readOne(argument: string, tokenFile: string | undefined): Promise<HeapGraph> {
  const progress = new ProgressBar(`analyze: reading ${argument}`);
  const graph = await readHeapSnapshot(counted(await snapshotSource(argument, tokenFile), progress));
  if (process.stderr.isTTY === true) progress.done(`analyze: read ${argument}, ${progress.describeBytes()}; analyzing...`);
  return graph;
}

async function analyzeOne(argument: string, tokenFile: string | undefined, top: number): Promise<HeapReport> {
  return analyzeHeap(await readOne(argument, tokenFile), { top });
}

/** More than this share of objects in both snapshots changing class means the ids were not kept between them. */
const MAX_CLASS_CHANGES = 0.001;

/**
 * The three-snapshot technique: objects allocated between A and B (ids in B, not in A) still alive in C.
 * Each graph is dropped once what the next step needs is taken from it.
 */
async function survivorsOf([a, b, c]: string[], tokenFile: string | undefined, top: number): Promise<{ allocated: number; survivors: ReturnType<typeof survivors> }> {
  const first = idIndex(await readOne(a!, tokenFile));
  const allocated = newObjects(first, await readOne(b!, tokenFile));
  if (allocated.shared === 0 || allocated.changedClass > allocated.shared * MAX_CLASS_CHANGES) {
    throw new CliError(
      `${a} and ${b} do not share V8's object ids (${allocated.changedClass} of ${allocated.shared} objects in both changed class): they come from different processes, ` +
        'or the process released its ids between them. The three-snapshot technique needs snapshots of one process whose ids were kept; analyze --diff A B compares by constructor.',
    );
  }
  return { allocated: allocated.ids.length, survivors: survivors(allocated, await readOne(c!, tokenFile), top) };
}

export const analyzeCommand = defineCommand({
  name: 'analyze',
  summary: 'Where the memory is in a heap snapshot: the summary by constructor, leak suspects with their paths, duplicated strings, the biggest collections.',
  arguments: 'FILE|URL|- [B [C]]',
  positionals: { min: 1, max: 3 },
  description: [
    'Runs here, in this process, never in the app: the snapshot is read as it arrives (a file, stdin as -, or an endpoint URL such as BASE/heapsnapshot while it downloads) and never held as text.',
    'Retained sizes are computed as Chrome DevTools computes them. --diff A B lists the classes that grew from A to B, by constructor only. --diff A B C lists the objects allocated between A and B that are still alive in C, by V8 object id (snapshots of one process that kept its ids). The JSON is described in docs/heap-analysis.md.',
  ],
  options: {
    json: { type: 'boolean', help: 'print the report as JSON on stdout (docs/heap-analysis.md)' },
    ...TOP_OPTION,
    diff: { type: 'boolean', help: 'compare snapshots: A B, growth by constructor; A B C, objects allocated between A and B still alive in C' },
    'token-file': { type: 'string', value: 'FILE', help: 'for a URL: read the bearer token from FILE (or set MAINTENANCE_ENDPOINT_TOKEN)' },
  },
  examples: ['maintenance-endpoint analyze app.heapsnapshot', 'maintenance-endpoint analyze --json --top 20 - < app.heapsnapshot', 'maintenance-endpoint analyze --diff before.heapsnapshot after.heapsnapshot'],
  async run({ values, positionals }) {
    const top = parseTop(values.top);
    const tokenFile = values['token-file'];
    if (values.diff === true) {
      if (positionals.length < 2) throw new CliError('--diff takes two or three snapshots: analyze --diff A B [C].', 2);
      if (positionals.filter((name) => name === '-').length > 1) throw new CliError('stdin can give one snapshot only.', 2);
      if (positionals.length === 3) {
        const found = await survivorsOf(positionals, tokenFile, top);
        if (values.json === true) printJson(JSON.stringify({ basis: 'object ids', allocated: found.allocated, survivors: found.survivors }, null, 2));
        else printJson(survivorsText(found.allocated, found.survivors));
        return 0;
      }
      const before = (await analyzeOne(positionals[0]!, tokenFile, top)).classes;
      const after = (await analyzeOne(positionals[1]!, tokenFile, top)).classes;
      const growth = classGrowth(before, after);
      if (values.json === true) printJson(JSON.stringify({ basis: 'constructor', growth: growth.slice(0, top) }, null, 2));
      else printJson(growthText(growth, top));
      return 0;
    }
    if (positionals.length !== 1) throw new CliError('analyze takes one snapshot (or --diff A B [C]).', 2);
    const report = await analyzeOne(positionals[0]!, tokenFile, top);
    if (values.json === true) printJson(JSON.stringify(reportJson(report, top), null, 2));
    else printJson(heapReportText(report, top));
    return 0;
  },
});
