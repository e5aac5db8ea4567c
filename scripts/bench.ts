/**
 * npm run bench [-- options]
 *
 * Heap snapshots of the same heap of small objects, at two sizes, taken four ways side by side: worker
 * mode, router mode, the classic temp-file recipe, and V8's own floor (v8.writeHeapSnapshot to
 * /dev/null); with --remote, a fifth through the sidecar. Each run is a fresh process; figures are the time until the client has the last byte
 * and the snapshotted process's extra peak RSS, with ratios to the floor and the targets.
 *
 *   --quick        the small heap only, one run per scenario (a try-out, under a minute)
 *   --reps N       runs per scenario and heap size (default: 5 on the small heap, 4 on the large)
 *   --huge         also a heap whose snapshot is over 600 MB: whole through worker mode, and the
 *                  classic recipe failing on it
 *   --remote       also the remote path: a sidecar serving the app through its inspector
 *   --runtime      also the runtime overhead benchmarks (profilers and probe under load, /stack latency)
 *   --egress       also a 600 MiB upload to an S3-compatible server (s3rver), against a produce-and-drain baseline,
 *                  and a 600 MB heap snapshot of an app uploaded with ?egress=, against its direct download
 *   --rss-poll     measure peak RSS by polling VmRSS even where VmHWM can be reset
 *   --leaks-only   only the leak-verdict corpus (nine minutes; it runs in every bench but --quick)
 *   --snapshot-memory  also the snapshot peak estimate's calibration: heaps of seven shapes, each
 *                  snapshot's measured peak extra RSS against the estimate (with --quick: 20 MiB heaps
 *                  only; --snapshot-memory-large adds 300 MiB heaps of many objects, peaks of several GiB)
 *   --memory-only  only --snapshot-memory and --release (no leak corpus, no snapshot scenarios)
 *   --release      also the RSS a process still holds 10 s after a snapshot, per allocator, with and
 *                  without the release of V8's snapshot bookkeeping
 *   --after-snapshot  only the RSS an app holds 12 s after one snapshot of a 165 MiB heap, worker and router
 *                  mode, under jemalloc as advised, against the same app without a snapshot; --reps runs of
 *                  each (default 10): min, median and max
 *   --after-snapshot-previous  with --after-snapshot, also jemalloc as advised before its larger slabs
 *   --types        also what a count of live objects by constructor (/memory/leaks?types=count) pauses the
 *                  app, against one full GC of the same heap
 *   --idle         only the idle cost: on each Node line present (this one, and those scripts/ci/node-bin.sh
 *                  cached), a plain node:http app and an Express app, each alone, with startMaintenanceServer()
 *                  and with maintenanceRouter(): RSS and main-thread heap (it runs in every bench, a single
 *                  round with --quick)
 *   --idle-lines L  only these major lines, e.g. 22,26 (default: every line present)
 *   --idle-settle S  seconds the idle apps are left alone before they are sampled (default 10; 960 sees
 *                  the console's fifteen-minute history full)
 *   --analyze      only the heap snapshot analyzer against @vscode/v8-heap-parser, on one snapshot of
 *                  --analyze-items small objects (default 1,000,000: about 280 MB), --reps runs each (default 3);
 *                  with --analyze-large also one of --analyze-large-items (default 6,000,000: about 1.6 GB,
 *                  which V8 takes minutes and gigabytes to write), one run each unless --reps says;
 *                  ANALYZER_SNAPSHOT_DIR=DIR keeps the snapshots there and reuses them in later runs
 *   --redaction    only the cost of redaction: the small heap's snapshot from worker mode redacted (the
 *                  default) and raw, side by side, --reps runs each (default 5): time and extra peak RSS
 *   --recorder     only the always-on recorder's cost: an HTTP app under load with the recorder on against
 *                  the same app without it, throughput and resident memory, --reps rounds (default 3)
 *   --write-docs   write docs/benchmarks.md from this run
 *
 * Targets are reported, never enforced: the exit code says only whether the bench itself ran.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyzerSection, runAnalyzerBench } from './bench/analyzer-bench.js';
import { REDACTION_HEADING, redactionSection, runRedactionBench } from './bench/redaction-bench.js';
import { ANALYZER_HEADING, benchmarksDoc, sectionOf, withIdleSection, withSection } from './bench/benchmarks-doc.js';
import { runHugeSnapshot, type HugeResult } from './bench/huge-snapshot.js';
import { describeMachine } from './bench/machine.js';
import { runLine, snapshotTable, targetLines } from './bench/report.js';
import { runEgressEndpointBench } from './bench/egress-endpoint.js';
import { runEgressBench } from './bench/egress-upload.js';
import { idleSection, runIdleBench } from './bench/idle-cost.js';
import { nodeLines } from './bench/node-lines.js';
import { runLeakCorpusBench } from './bench/leak-corpus-report.js';
import { runRuntimeBench } from './bench/runtime-overhead.js';
import { HTTP_RULES_HEADING, httpRulesSection, runHttpRulesBench } from './bench/http-rules-overhead.js';
import { RECORDER_HEADING, recorderSection, runRecorderBench } from './bench/recorder-overhead.js';
import { runtimeSection } from './bench/runtime-report.js';
import { runReleaseBench, releaseTable } from './bench/snapshot-release.js';
import { AFTER_SNAPSHOT_HEADING, afterSnapshotSection, runAfterSnapshotBench } from './bench/after-snapshot.js';
import { objectCensusTable, runObjectCensusBench } from './bench/object-census.js';
import { runSnapshotMemoryCalibration, snapshotMemoryTable } from './bench/snapshot-memory.js';
import { runSnapshotScenario, type RunOptions } from './bench/snapshot-run.js';
import { DEFAULT_SCENARIOS, type Scenario } from './bench/snapshot-scenarios.js';
import type { HeapSizeResult } from './bench/snapshot-summary.js';

/** Items of the heap (see small-object-heap.ts): about 73, 333 and 640 MiB of heapUsed. */
const SMALL_ITEMS = 250_000;
const LARGE_ITEMS = 1_250_000;
const HUGE_ITEMS = 2_400_000;
/** Room for the largest heap and for the classic recipe's copies of its snapshot. */
const MAX_OLD_SPACE_MIB = 8192;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    huge: { type: 'boolean', default: false },
    remote: { type: 'boolean', default: false },
    runtime: { type: 'boolean', default: false },
    'http-rules': { type: 'boolean', default: false },
    recorder: { type: 'boolean', default: false },
    egress: { type: 'boolean', default: false },
    'rss-poll': { type: 'boolean', default: false },
    'leaks-only': { type: 'boolean', default: false },
    'snapshot-memory': { type: 'boolean', default: false },
    'snapshot-memory-large': { type: 'boolean', default: false },
    release: { type: 'boolean', default: false },
    'memory-only': { type: 'boolean', default: false },
    types: { type: 'boolean', default: false },
    'after-snapshot': { type: 'boolean', default: false },
    'after-snapshot-previous': { type: 'boolean', default: false },
    idle: { type: 'boolean', default: false },
    'idle-settle': { type: 'string', default: '10' },
    'idle-lines': { type: 'string' },
    analyze: { type: 'boolean', default: false },
    'analyze-items': { type: 'string', default: '1000000' },
    'analyze-large': { type: 'boolean', default: false },
    'analyze-large-items': { type: 'string', default: '6000000' },
    redaction: { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
  },
  strict: true,
});
// Single runs vary by several percent on a small VM; the small heap is cheap to repeat.
const runsPerSize = { small: flags.quick ? 1 : 5, large: 4 };
if (flags.reps !== undefined) {
  const reps = Number(flags.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be a positive integer');
  runsPerSize.small = runsPerSize.large = reps;
}
const runOptions: RunOptions = { maxOldSpaceMiB: MAX_OLD_SPACE_MIB, forceRssPolling: flags['rss-poll'] };
const scenarios: Scenario[] = flags.remote ? [...DEFAULT_SCENARIOS.slice(0, 2), 'remote', ...DEFAULT_SCENARIOS.slice(2)] : DEFAULT_SCENARIOS;

/** Every scenario `repetitions` times on one heap size, the order rotating so drift hits them alike. */
async function measureHeapSize(label: string, items: number, repetitions: number): Promise<HeapSizeResult> {
  const result: HeapSizeResult = { label, items, repetitions: [] };
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const order = scenarios.map((_, i) => scenarios[(i + repetition) % scenarios.length]!);
    const runs = [];
    for (const scenario of order) {
      const run = await runSnapshotScenario(scenario, items, runOptions);
      runs.push(run);
      console.log(runLine(label, repetition + 1, run));
    }
    result.repetitions.push(runs);
  }
  return result;
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = describeMachine();
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  if (flags['http-rules']) {
    // Measured alone; --write-docs replaces its own section of docs/benchmarks.md.
    console.log(`Collection rules on the app's HTTP responses on ${machine}, ${command}: throughput of a trivial route`);
    const section = httpRulesSection(await runHttpRulesBench(10, 3, console.log));
    console.log(`\n${section}`);
    if (flags['write-docs']) writeDoc((doc) => withSection(doc, HTTP_RULES_HEADING, `From \`${command}\` on ${machine}, ${new Date().toISOString().slice(0, 10)}. ${section}`));
    return;
  }
  if (flags.recorder) {
    const rounds = flags.reps === undefined ? (flags.quick ? 1 : 3) : Number(flags.reps);
    console.log(`The always-on recorder on ${machine}, ${command}: throughput and resident memory of an HTTP app under load`);
    const section = recorderSection(await runRecorderBench(60, rounds, 50, console.log), { command, machine, date: new Date().toISOString().slice(0, 10) });
    console.log(`\n${section}`);
    if (flags['write-docs']) writeDoc((doc) => withSection(doc, RECORDER_HEADING, section));
    return;
  }
  if (flags.redaction) {
    const runs = flags.reps === undefined ? (flags.quick ? 1 : 5) : Number(flags.reps);
    console.log(`Heap snapshot redaction on ${machine}: redacted against raw, worker mode`);
    const section = redactionSection(await runRedactionBench(SMALL_ITEMS, runs, MAX_OLD_SPACE_MIB, console.log), { command, machine, date: new Date().toISOString().slice(0, 10) });
    console.log(`\n${section}\n`);
    if (flags['write-docs']) writeDoc((doc) => withSection(doc, REDACTION_HEADING, section, ANALYZER_HEADING));
    return;
  }
  if (flags['after-snapshot']) {
    const runs = flags.reps === undefined ? (flags.quick ? 1 : 10) : Number(flags.reps);
    console.log(`RSS held after a heap snapshot on ${machine}: worker and router mode, ${runs} runs each`);
    const section = afterSnapshotSection(await runAfterSnapshotBench(runs, { previous: flags['after-snapshot-previous'] }, console.log), { command, machine, date: new Date().toISOString().slice(0, 10) });
    console.log(`\n${section}\n`);
    if (flags['write-docs']) writeDoc((doc) => withSection(doc, AFTER_SNAPSHOT_HEADING, section));
    return;
  }
  if (flags.analyze) {
    const items = Number(flags['analyze-items']);
    const runs = flags.reps === undefined ? (flags.quick ? 1 : 3) : Number(flags.reps);
    console.log(`Heap snapshot analysis on ${machine}: analyze against @vscode/v8-heap-parser`);
    const figures = [await runAnalyzerBench(items, runs, console.log)];
    // The large case: a snapshot of at least 1.5 GB, one run each unless --reps says.
    if (flags['analyze-large']) figures.push(await runAnalyzerBench(Number(flags['analyze-large-items']), flags.reps === undefined ? 1 : runs, console.log));
    const section = analyzerSection(figures, { command, machine, date: new Date().toISOString().slice(0, 10) });
    console.log(`\n${section}\n`);
    if (flags['write-docs']) writeDoc((doc) => withSection(doc, ANALYZER_HEADING, section));
    return;
  }
  // The runs that ask for one thing only skip it.
  let idle: string | undefined;
  if (flags.idle || (!flags['memory-only'] && !flags['leaks-only'])) {
    const lines = nodeLines(flags['idle-lines']?.split(',').map(Number));
    if (lines.length === 0) throw new Error(`--idle-lines ${flags['idle-lines']}: no such Node line here`);
    console.log(`Idle cost on ${machine}: idle apps with startMaintenanceServer() and with maintenanceRouter() (maintenanceRequestHandler() in the plain app) against the same apps without, on ${lines.map((line) => line.version).join(', ')}`);
    const idleFigures = await runIdleBench({ lines, rounds: flags.quick ? 1 : 3, settleMs: Number(flags['idle-settle']) * 1000, samples: 7 }, console.log);
    idle = idleSection(idleFigures, { command, machine, date: new Date().toISOString().slice(0, 10) });
    console.log(`\n${idle}\n`);
  }
  if (flags.idle && idle !== undefined) {
    if (flags['write-docs']) writeDoc((doc) => withIdleSection(doc, idle));
    return;
  }
  if (!flags.quick && !flags['memory-only']) {
    console.log(`Leak verdict corpus on ${machine}: every process at once, five minutes`);
    await runLeakCorpusBench(console.log);
    if (flags['leaks-only']) return;
  }
  const sizes: HeapSizeResult[] = [];
  if (!flags['memory-only']) {
    console.log(`Heap snapshots on ${machine}`);
    sizes.push(await measureHeapSize('Small heap', SMALL_ITEMS, runsPerSize.small));
    if (!flags.quick) sizes.push(await measureHeapSize('Large heap', LARGE_ITEMS, runsPerSize.large));
  }

  let huge: HugeResult | undefined;
  if (flags.huge) {
    console.log('Snapshot over 600 MB');
    huge = await runHugeSnapshot(HUGE_ITEMS, runOptions, console.log);
  }

  for (const size of sizes) console.log(`\n${snapshotTable(size)}\n\n${targetLines(size).join('\n')}`);

  if (flags['snapshot-memory']) {
    console.log('\nSnapshot peak estimate against measured peak extra RSS');
    const points = await runSnapshotMemoryCalibration(flags.quick, flags['snapshot-memory-large'], console.log);
    console.log(`\n${snapshotMemoryTable(points)}`);
    // The raw figures, so the model can be fitted again without measuring again.
    console.log(`\nCalibration points: ${JSON.stringify(points)}`);
  }
  if (flags.release) {
    console.log('\nRSS held 10 s after a snapshot (1,000,000 small objects)');
    console.log(`\n${releaseTable(await runReleaseBench(flags.quick ? 250_000 : 1_000_000, console.log))}`);
  }
  if (flags.types) {
    console.log('\nCounting live objects by constructor (types=count), against a full GC of the same heap');
    console.log(`\n${objectCensusTable(await runObjectCensusBench(flags.quick ? [250_000] : [250_000, 1_000_000, 3_000_000], console.log))}`);
  }

  let runtime: string | undefined;
  if (flags.runtime) {
    console.log('\nRuntime overhead');
    runtime = runtimeSection(await runRuntimeBench(10, 2, console.log));
    console.log(`\n${runtime}`);
  }

  let egress: string | undefined;
  if (flags.egress) {
    console.log('\nEgress: 600 MiB to an S3-compatible server');
    const upload = (await runEgressBench(600 * 1024 * 1024, console.log)).join('\n');
    console.log(`\n${upload}`);
    // About 98 bytes of snapshot per small object: 6.3 M of them make a snapshot over 600 MB.
    console.log('\nEgress from the endpoint: a 600 MB heap snapshot, downloaded and uploaded');
    const endpoint = (await runEgressEndpointBench(6_300_000, console.log)).join('\n');
    console.log(`\n${endpoint}`);
    egress = `600 MiB to an S3-compatible server (s3rver, its own process):\n\n${upload}\n\nA heap snapshot over 600 MB from an app in worker mode:\n\n${endpoint}`;
  }

  const minutes = (Date.now() - started) / 60_000;
  console.log(`\nThe bench took ${minutes.toFixed(1)} minutes.`);
  if (flags['write-docs']) {
    const doc = benchmarksDoc({
      command,
      machine,
      date: new Date().toISOString().slice(0, 10),
      minutes,
      nodeFlags: `--expose-gc --max-old-space-size=${MAX_OLD_SPACE_MIB}`,
      sizes,
      huge,
      runtime,
      egress,
      idle,
    });
    // The analyzer's, the redaction's, the HTTP rules', the recorder's and the after-snapshot sections are measured
    // on their own (--analyze, --redaction, --http-rules, --recorder, --after-snapshot): a full rewrite keeps them.
    writeDoc((existing) =>
      [REDACTION_HEADING, ANALYZER_HEADING, HTTP_RULES_HEADING, RECORDER_HEADING, AFTER_SNAPSHOT_HEADING].reduce((page, heading) => {
        const kept = sectionOf(existing, heading);
        return kept === undefined ? page : withSection(page, heading, kept);
      }, doc),
    );
  }
}

function writeDoc(contents: (existing: string) => string): void {
  const path = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
  writeFileSync(path, contents(readFileSync(path, 'utf8')));
  console.log(`Wrote ${path}`);
}

await main();
