/**
 * `npm run bench -- --after-snapshot`: the RSS an app still holds 12 s after one heap snapshot of a
 * heap of about 165 MiB, in worker and router mode, over many runs (a distribution, not one figure).
 * Each run is a fresh process (snapshot-target.ts) under jemalloc, set up as docs/operations.md
 * advised before (background_thread:true,dirty_decay_ms:1000) and as it advises now (with larger
 * slabs: see ADVISED_MALLOC_CONF; the former with --after-snapshot-previous), against a baseline measured in the same run: the same app, left
 * alone as long, without a snapshot. The goal: at most a quarter of heapUsed, every time.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { download } from './download.js';
import { readMemoryStatus } from './proc-status.js';
import { makeTempDir, removeTempDir, startChild, stop, TOKEN } from './processes.js';
import { ADVISED_MALLOC_CONF, JEMALLOC, PREVIOUS_MALLOC_CONF } from './snapshot-release.js';
import { median } from './statistics.js';
import { MiB, mebibytes as mib } from './units.js';

/** About 165 MiB of heapUsed (about 290 bytes per item, small-object-heap.ts). */
export const AFTER_SNAPSHOT_ITEMS = 600_000;
const SETTLE_MS = 2000;
const HOLD_MS = 12_000;

type Mode = 'worker' | 'router';
/** The baseline moves by a MiB at most: its first few rounds are enough. */
const BASELINE_ROUNDS = 3;
const SETUPS = [
  { label: 'no snapshot (baseline)', snapshot: false, mallocConf: ADVISED_MALLOC_CONF },
  { label: `snapshot, MALLOC_CONF=${ADVISED_MALLOC_CONF}`, snapshot: true, mallocConf: ADVISED_MALLOC_CONF },
  { label: `snapshot, MALLOC_CONF=${PREVIOUS_MALLOC_CONF}`, snapshot: true, mallocConf: PREVIOUS_MALLOC_CONF },
] as const;

export interface AfterSnapshotRun {
  mode: Mode;
  setup: string;
  heapUsed: number;
  rssBefore: number;
  rssHeld: number;
}

function collectGarbage(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/gc`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, agent: false }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`POST /gc answered ${res.statusCode}`))));
    });
    req.once('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(mode: Mode, setup: (typeof SETUPS)[number]): Promise<AfterSnapshotRun> {
  const tempDir = makeTempDir();
  const { child, info } = await startChild<{ url: string; heapUsed: number }>('snapshot-target.js', [mode, String(AFTER_SNAPSHOT_ITEMS)], {
    nodeArgs: ['--expose-gc'],
    env: { TMPDIR: tempDir, LD_PRELOAD: JEMALLOC, MALLOC_CONF: setup.mallocConf },
  });
  try {
    // A full GC through the endpoint first: V8 keeps the spaces it grew while the heap was built until a
    // GC that finds the heap settled, which the snapshot's own GCs would then be credited with.
    await collectGarbage(info.url);
    await sleep(SETTLE_MS);
    const rssBefore = readMemoryStatus(child.pid!).rss;
    if (setup.snapshot) {
      const reply = await download(`${info.url}/heapsnapshot`, { token: TOKEN });
      if (reply.status !== 200) throw new Error(`heap snapshot answered ${reply.status}: ${reply.errorText}`);
    }
    await sleep(HOLD_MS);
    return { mode, setup: setup.label, heapUsed: info.heapUsed, rssBefore, rssHeld: readMemoryStatus(child.pid!).rss - rssBefore };
  } finally {
    await stop(child);
    removeTempDir(tempDir);
  }
}

/** `runs` rounds; each measures every mode and set-up once, the order rotating so drift hits them alike. */
export async function runAfterSnapshotBench(runs: number, options: { previous: boolean }, log: (line: string) => void): Promise<AfterSnapshotRun[]> {
  if (!existsSync(JEMALLOC)) throw new Error(`${JEMALLOC} is not installed (apt-get install libjemalloc2)`);
  const setups = SETUPS.filter((setup) => options.previous || setup.mallocConf !== PREVIOUS_MALLOC_CONF);
  const cases = (['worker', 'router'] as const).flatMap((mode) => setups.map((setup) => ({ mode, setup })));
  const results: AfterSnapshotRun[] = [];
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < cases.length; i++) {
      const { mode, setup } = cases[(i + round) % cases.length]!;
      if (!setup.snapshot && round >= BASELINE_ROUNDS) continue;
      const run = await measure(mode, setup);
      results.push(run);
      log(`  ${mode}, ${setup.label}, run ${round + 1}: heapUsed ${mib(run.heapUsed)}, RSS ${mib(run.rssBefore)} before, held ${signed(run.rssHeld)} 12 s later`);
    }
  }
  return results;
}

export function afterSnapshotTable(results: AfterSnapshotRun[]): string {
  const rows = [
    '| mode | set-up | runs | heapUsed | RSS held 12 s later: min | median | max | max / heapUsed |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const mode of ['worker', 'router'] as const) {
    for (const setup of SETUPS) {
      const runs = results.filter((run) => run.mode === mode && run.setup === setup.label);
      if (runs.length === 0) continue;
      const held = runs.map((run) => run.rssHeld);
      const heapUsed = median(runs.map((run) => run.heapUsed));
      const max = Math.max(...held);
      rows.push(`| ${mode} | ${setup.label} | ${runs.length} | ${mib(heapUsed)} | ${signed(Math.min(...held))} | ${signed(median(held))} | ${signed(max)} | ${((max / heapUsed) * 100).toFixed(0)}% |`);
    }
  }
  return rows.join('\n');
}

function signed(bytes: number): string {
  return `${bytes >= 0 ? '+' : ''}${(bytes / MiB).toFixed(0)} MiB`;
}

export const AFTER_SNAPSHOT_HEADING = 'RSS held after a heap snapshot';

/** The section of docs/benchmarks.md (`--after-snapshot --write-docs` replaces it). */
export function afterSnapshotSection(results: AfterSnapshotRun[], meta: { command: string; machine: string; date: string }): string {
  const advised = SETUPS[1].label;
  const runs = Math.max(...(['worker', 'router'] as const).map((mode) => results.filter((run) => run.mode === mode && run.setup === advised).length));
  const verdicts = (['worker', 'router'] as const).map((mode) => {
    const worst = results.filter((run) => run.mode === mode && run.setup === advised).reduce((max, run) => Math.max(max, run.rssHeld / run.heapUsed), -Infinity);
    return `${mode} mode at most ${(worst * 100).toFixed(0)}% of heapUsed, ${worst <= 0.25 ? '**met**' : '**not met**'}`;
  });
  return [
    `From \`${meta.command}\` on ${meta.machine}, ${meta.date}: an app with a heap of ${AFTER_SNAPSHOT_ITEMS.toLocaleString('en-US')} small objects ` +
      `(snapshot-target.ts), each run a fresh process under jemalloc (\`LD_PRELOAD\`), ${runs} runs of each snapshot row (the baseline's first ${BASELINE_ROUNDS}), the rows taking turns. ` +
      `RSS is read from /proc ${SETTLE_MS / 1000} s after a full GC (\`POST /gc\`, before), then ${HOLD_MS / 1000} s after its redacted snapshot was downloaded whole; ` +
      'the baseline is the same app left alone as long.',
    '',
    afterSnapshotTable(results),
    '',
    `Goal: at most a quarter of heapUsed held, every run, as advised: ${verdicts.join('; ')}.`,
  ].join('\n');
}
