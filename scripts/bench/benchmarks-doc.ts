import { hugeSection, type HugeResult } from './huge-snapshot.js';
import { snapshotTable, targetLines } from './report.js';
import { SCENARIO_DESCRIPTIONS, SCENARIOS } from './snapshot-scenarios.js';
import { allRuns, summarize, type HeapSizeResult } from './snapshot-summary.js';
import { mebibytes } from './units.js';

export interface BenchmarksDocInput {
  command: string;
  machine: string;
  date: string;
  minutes: number;
  /** Node flags of every snapshotted process. */
  nodeFlags: string;
  sizes: HeapSizeResult[];
  huge: HugeResult | undefined;
  /** The runtime overhead section, when it was run. */
  runtime: string | undefined;
  /** The egress section (--egress), when it was run. */
  egress?: string | undefined;
  /** The idle cost section (idle-cost.ts), when it was run. */
  idle: string | undefined;
}

/** docs/benchmarks.md, from one run of the bench. */
export function benchmarksDoc(input: BenchmarksDocInput): string {
  const rssMethods = new Set(input.sizes.flatMap((size) => allRuns(size).map((run) => run.rssMethod)));
  const measured = new Set(input.sizes.flatMap((size) => allRuns(size).map((run) => run.scenario)));
  return [
    '# Benchmarks',
    '',
    `Figures from one run of \`${input.command}\` on ${input.machine}, ${input.date}; the run took ${input.minutes.toFixed(1)} minutes. ` +
      'Every figure is compared with a baseline measured in the same run on an identical process: the ratios are what to compare across machines.',
    '',
    '`npm run bench` measures both heap sizes (about 8 minutes on 2 cores) and prints what is below without writing it; ' +
      '`--quick` measures the small heap once, `--reps N` sets the runs per scenario, `--huge` adds the snapshot over 600 MB, ' +
      '`--remote` the sidecar, `--runtime` the runtime overhead, `--idle` only the idle cost (on every Node line present; `--idle-lines 22,26` only those), `--rss-poll` forces the polling fallback for peak RSS, and `--write-docs` writes this file.',
    '',
    ...(input.idle === undefined ? [] : ['## Idle cost', '', input.idle, '']),
    '## Heap snapshots',
    '',
    'Each run of each scenario is a fresh process (`node ' +
      input.nodeFlags +
      "`) that builds the same heap, the same way: many small objects `{ id, name: 'item-<n>', values: [16 small integers] }` retained from a global, then a full GC. " +
      'It then takes one heap snapshot, one of these ways:',
    '',
    ...SCENARIOS.filter((scenario) => measured.has(scenario)).map((scenario) => `- **${scenario}**: ${SCENARIO_DESCRIPTIONS[scenario]}`),
    '',
    'The client is the bench process itself, on the same cores: it reads the response as fast as the socket delivers it and keeps nothing but a byte count and the first and last bytes ' +
      '(the document must start with `{"snapshot":` and end with `]}`). It does not offer gzip, so the body is the snapshot itself.',
    '',
    '- **time**: from sending the request until the client has the last byte; for the floor, the duration of the `writeHeapSnapshot` call, timed inside the process.',
    '- **first byte**: until the client has the first byte of the body (V8 builds its snapshot graph before it writes anything).',
    '- **received**: body bytes, i.e. the size of the snapshot.',
    '- **RSS before**: resident memory of the snapshotted process just before the operation, heap built and settled.',
    `- **extra peak RSS**: the highest resident memory of that process during the operation, less the RSS before. ${
      rssMethods.has('polling')
        ? 'Read by polling `VmRSS` in `/proc/PID/status` every 2 ms (the kernel refused to reset its high-water mark), so a peak shorter than that can be missed.'
        : "Read from Linux's own high-water mark, `VmHWM` in `/proc/PID/status`, reset to the current RSS right before the operation by writing `5` to `/proc/PID/clear_refs`: the kernel sees every page of the peak, however short."
    }`,
    '',
    'Every figure is the median of the runs (each figure on its own), and the fastest and slowest run show how much they varied; ' +
      'the order of the scenarios rotates from one repetition to the next, so drift hits them alike.',
    '',
    '### Results',
    '',
    ...input.sizes.flatMap((size) => [snapshotTable(size), '', floorNote(size), '']),
    '### Targets',
    '',
    'From the issue: worker mode within 1.10x the floor in time and 1.15x its extra peak RSS; router mode within 1.25x on both.',
    '',
    ...input.sizes.flatMap((size) => targetLines(size)),
    '',
    '### A snapshot over 600 MB',
    '',
    input.huge === undefined
      ? 'Not measured in this run (`npm run bench -- --huge`).'
      : 'The classic recipe reads the whole snapshot into one string, and V8 strings stop at 512 MiB (2^29 - 24 characters). ' +
        "Worker mode never holds the snapshot: the client checks the whole download as it arrives (which adds to its time) with a streaming scan (brackets balance, strings end, nothing follows the end, and the `nodes` and `edges` arrays hold exactly as many values as the snapshot's header announces).\n\n" +
        hugeSection(input.huge),
    '',
    ...(input.runtime === undefined ? [] : ['## Runtime overhead', '', input.runtime, '']),
    ...(input.egress === undefined ? [] : ['## Egress', '', input.egress, '']),
  ].join('\n');
}

/** What V8 itself costs on this heap: the floor every way of taking a snapshot pays. */
function floorNote(size: HeapSizeResult): string {
  const floor = summarize(size).get('floor');
  if (floor === undefined || Number.isNaN(floor.seconds)) return '';
  return (
    `V8 itself (the floor) takes ${floor.seconds.toFixed(1)} s and ${mebibytes(floor.extraPeakRss)} of extra memory for this ${mebibytes(floor.heapUsed)} heap ` +
    `(${(floor.extraPeakRss / floor.heapUsed).toFixed(1)}x heapUsed): V8 holds its whole snapshot graph in memory while it writes, and the JSON goes out as it is written.`
  );
}

/** The body of a page's `## heading` section, or undefined when it has none. */
export function sectionOf(doc: string, heading: string): string | undefined {
  const start = doc.indexOf(`## ${heading}\n`);
  if (start < 0) return undefined;
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start + heading.length + 4, end < 0 ? undefined : end).trim();
}

/**
 * A page with its `## heading` section replaced by `body`; a page without one gets it before the
 * `before` heading, or at its end.
 */
export function withSection(doc: string, heading: string, body: string, before?: string): string {
  const section = `## ${heading}\n\n${body}\n\n`;
  const start = doc.indexOf(`## ${heading}\n`);
  if (start >= 0) {
    const end = doc.indexOf('\n## ', start + 1);
    return (doc.slice(0, start) + section + (end < 0 ? '' : doc.slice(end + 1))).trimEnd() + '\n';
  }
  const at = before === undefined ? -1 : doc.indexOf(`## ${before}\n`);
  return at < 0 ? `${doc.trimEnd()}\n\n${section.trimEnd()}\n` : doc.slice(0, at) + section + doc.slice(at);
}

/**
 * An existing docs/benchmarks.md with its idle cost section replaced by a new one (`--idle --write-docs`
 * measures that alone); the section goes before the heap snapshots in a page that has none yet.
 */
export function withIdleSection(doc: string, idle: string): string {
  return withSection(doc, 'Idle cost', idle, 'Heap snapshots');
}

/** The heap snapshot analyzer's section (`--analyze --write-docs`); a full rewrite of the page keeps it. */
export const ANALYZER_HEADING = 'Heap snapshot analysis';
