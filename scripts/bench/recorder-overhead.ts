import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORDING_FILE, type Recording } from '../../src/recorder/recording-file.js';
import { readMemoryStatus } from './proc-status.js';
import { median } from './statistics.js';
import { load, makeTempDir, removeTempDir, startChild, stop } from './processes.js';

/** Its section of docs/benchmarks.md, which a full rewrite of the page keeps. */
export const RECORDER_HEADING = 'The always-on recorder';

export interface RecorderRun {
  rps: number;
  /** CPU time the app's process (all its threads) spent per request served, ms. */
  cpuMsPerRequest: number;
  /** VmRSS at the end of the load, and its high-water mark, bytes. */
  rss: number;
  hwm: number;
  /** With the recorder: the pause of the full GC V8 ran for its last spill, ms, and how long before that spill the previous one came. */
  forcedGcMs?: number;
}

export interface RecorderFigures {
  seconds: number;
  rounds: number;
  ballastMb: number;
  without: RecorderRun[];
  with: RecorderRun[];
}

/** User and system CPU time of a process, all its threads, ms (Linux's /proc/PID/stat, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const MiB = 1024 * 1024;

/**
 * What the recorder costs an HTTP app under load: throughput of a route that makes and serializes small
 * objects (every allocation may be sampled), and the resident set at the end of the load, in an app with
 * the endpoint against the same app with the recorder on (spilling into a store), as fresh processes.
 * Both are loaded at the same time, each by its own load generator, so that whatever else the machine
 * runs hits both alike; the pair's order of start alternates by round. The app keeps `ballastMb` of
 * small objects alive, so that the full GC V8 runs before each spill has a heap to mark.
 */
export async function runRecorderBench(seconds: number, rounds: number, ballastMb: number, log: (line: string) => void): Promise<RecorderFigures> {
  const figures: RecorderFigures = { seconds, rounds, ballastMb, without: [], with: [] };
  for (let round = 1; round <= rounds; round++) {
    const modes = ['endpoint', 'endpoint-recorder'] as const;
    const apps: Array<{ mode: (typeof modes)[number]; dir: string; store: string; app: Awaited<ReturnType<typeof startChild<{ app: string }>>> }> = [];
    try {
      for (const mode of round % 2 === 1 ? modes : [...modes].reverse()) {
        const dir = makeTempDir();
        const store = join(dir, 'store');
        apps.push({ mode, dir, store, app: await startChild<{ app: string }>('cpu-bound-app.js', [mode], { env: { TMPDIR: dir, RECORDER_STORE: store, BALLAST_MB: String(ballastMb) } }) });
      }
      await Promise.all(apps.map(({ app }) => load(`${app.info.app}/render`, 2))); // warm-up: JIT and connection pools
      const cpuBefore = apps.map(({ app }) => cpuMs(app.child.pid!));
      const loads = await Promise.all(apps.map(({ app }) => load(`${app.info.app}/render`, seconds)));
      apps.forEach(({ mode, store, app }, index) => {
        const { rps, requests } = loads[index]!;
        const cpuMsPerRequest = (cpuMs(app.child.pid!) - cpuBefore[index]!) / requests;
        const { rss, hwm } = readMemoryStatus(app.child.pid!);
        let forcedGcMs: number | undefined;
        if (mode === 'endpoint-recorder') {
          if (!existsSync(join(store, RECORDING_FILE))) throw new Error('the recorder did not spill during the load');
          forcedGcMs = (JSON.parse(readFileSync(join(store, RECORDING_FILE), 'utf8')) as Recording).lastMoments.profileMs;
        }
        (mode === 'endpoint' ? figures.without : figures.with).push({ rps, cpuMsPerRequest, rss, hwm, ...(forcedGcMs !== undefined && { forcedGcMs }) });
      });
    } finally {
      for (const { app, dir } of apps) {
        await stop(app.child);
        removeTempDir(dir);
      }
    }
    const [without, withRecorder] = [figures.without.at(-1)!, figures.with.at(-1)!];
    const line = (run: RecorderRun) => `${run.rps.toFixed(0)} req/s, ${(run.cpuMsPerRequest * 1000).toFixed(0)} µs CPU a request, ${(run.rss / MiB).toFixed(1)} MiB${run.forcedGcMs === undefined ? '' : `, last forced GC ${run.forcedGcMs} ms`}`;
    log(`  round ${round}: endpoint ${line(without)}; with the recorder ${line(withRecorder)}`);
  }
  return figures;
}

export function recorderSection(figures: RecorderFigures, { command, machine, date }: { command: string; machine: string; date: string }): string {
  const rps = (runs: RecorderRun[]) => mean(runs.map((run) => run.rps));
  const rss = (runs: RecorderRun[]) => mean(runs.map((run) => run.rss)) / MiB;
  const hwm = (runs: RecorderRun[]) => mean(runs.map((run) => run.hwm)) / MiB;
  const cpu = (runs: RecorderRun[]) => mean(runs.map((run) => run.cpuMsPerRequest)) * 1000;
  const ratio = rps(figures.with) / rps(figures.without);
  const cpuRatio = cpu(figures.with) / cpu(figures.without);
  const extraRss = rss(figures.with) - rss(figures.without);
  const roundRatios = (figure: (run: RecorderRun) => number) => figures.with.map((run, index) => figure(run) / figure(figures.without[index]!));
  return [
    `From \`${command}\` on ${machine}, ${date}.`,
    '',
    `Load: autocannon, 8 connections, on both apps at the same time (each its own load generator), ${figures.seconds} s after a 2 s warm-up, ${figures.rounds} rounds of fresh processes, on a route that makes and serializes 100 small objects; the app keeps ${figures.ballastMb} MB of small objects alive. The recorder runs with its defaults (2 MiB sampling interval, a spill every 5 s at least). The CPU time is the app's whole process (its main thread, the endpoint's worker, V8's GC threads) per request served.`,
    '',
    '| app with startMaintenanceServer() | requests/s | ratio | CPU a request, µs | ratio | RSS at the end, MiB | peak RSS, MiB |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| recorder off (baseline) | ${rps(figures.without).toFixed(0)} | 1.000 | ${cpu(figures.without).toFixed(0)} | 1.000 | ${rss(figures.without).toFixed(1)} | ${hwm(figures.without).toFixed(1)} |`,
    `| recorder on | ${rps(figures.with).toFixed(0)} | ${ratio.toFixed(3)} | ${cpu(figures.with).toFixed(0)} | ${cpuRatio.toFixed(3)} | ${rss(figures.with).toFixed(1)} | ${hwm(figures.with).toFixed(1)} |`,
    '',
    `The full GC V8 runs before each spill paused the app's main thread ${mean(figures.with.map((run) => run.forcedGcMs ?? 0)).toFixed(1)} ms on average (the last spill of each run); a spill waits 5 s or 400 times that pause, whichever is longer, so the forced GCs paused it at most ${(mean(figures.with.map((run) => (run.forcedGcMs ?? 0) / Math.max(5000, 400 * (run.forcedGcMs ?? 0)))) * 100).toFixed(2)}% of its time.`,
    `Round by round, the recorder's app against its pair: throughput ${roundRatios((run) => run.rps).map((r) => r.toFixed(3)).join(', ')} (median ${median(roundRatios((run) => run.rps)).toFixed(3)}); CPU a request ${roundRatios((run) => run.cpuMsPerRequest).map((r) => r.toFixed(3)).join(', ')} (median ${median(roundRatios((run) => run.cpuMsPerRequest)).toFixed(3)}). Target: at most 1% of throughput. Resident memory ${extraRss >= 0 ? '+' : ''}${extraRss.toFixed(1)} MiB at the end of the load on average (target: at most 16 MiB more).`,
    `Round by round (requests/s off / on): ${figures.without.map((run, index) => `${run.rps.toFixed(0)} / ${figures.with[index]!.rps.toFixed(0)}`).join(', ')}; CPU a request (µs, off / on): ${figures.without.map((run, index) => `${(run.cpuMsPerRequest * 1000).toFixed(0)} / ${(figures.with[index]!.cpuMsPerRequest * 1000).toFixed(0)}`).join(', ')}.`,
  ].join('\n');
}
