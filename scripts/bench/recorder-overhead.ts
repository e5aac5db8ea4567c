import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RECORDING_FILE } from '../../src/recorder/recording-file.js';
import { readMemoryStatus } from './proc-status.js';
import { load, makeTempDir, removeTempDir, startChild, stop } from './processes.js';

/** Its section of docs/benchmarks.md, which a full rewrite of the page keeps. */
export const RECORDER_HEADING = 'The always-on recorder';

export interface RecorderRun {
  rps: number;
  /** VmRSS at the end of the load, and its high-water mark, bytes. */
  rss: number;
  hwm: number;
}

export interface RecorderFigures {
  seconds: number;
  rounds: number;
  ballastMb: number;
  without: RecorderRun[];
  with: RecorderRun[];
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const MiB = 1024 * 1024;

/**
 * What the recorder costs an HTTP app under load: throughput of a route that makes and serializes small
 * objects (every allocation may be sampled), and the resident set at the end of the load, in an app with
 * the endpoint against the same app with the recorder on (spilling every 5 s into a store), as fresh
 * processes, interleaved in rounds so drift hits both alike. The app keeps `ballastMb` of small objects
 * alive, so that the full GC V8 runs before each spill has a heap to mark.
 */
export async function runRecorderBench(seconds: number, rounds: number, ballastMb: number, log: (line: string) => void): Promise<RecorderFigures> {
  const figures: RecorderFigures = { seconds, rounds, ballastMb, without: [], with: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const [mode, into] of [['endpoint', figures.without], ['endpoint-recorder', figures.with]] as const) {
      const dir = makeTempDir();
      const store = join(dir, 'store');
      const app = await startChild<{ app: string }>('cpu-bound-app.js', [mode], { env: { TMPDIR: dir, RECORDER_STORE: store, BALLAST_MB: String(ballastMb) } });
      try {
        await load(`${app.info.app}/render`, 2); // warm-up: JIT and connection pools
        const { rps } = await load(`${app.info.app}/render`, seconds);
        const { rss, hwm } = readMemoryStatus(app.child.pid!);
        if (mode === 'endpoint-recorder' && !existsSync(join(store, RECORDING_FILE))) throw new Error('the recorder did not spill during the load');
        into.push({ rps, rss, hwm });
      } finally {
        await stop(app.child);
        removeTempDir(dir);
      }
    }
    const [without, withRecorder] = [figures.without.at(-1)!, figures.with.at(-1)!];
    log(`  round ${round}: endpoint ${without.rps.toFixed(0)} req/s, ${(without.rss / MiB).toFixed(1)} MiB; with the recorder ${withRecorder.rps.toFixed(0)} req/s, ${(withRecorder.rss / MiB).toFixed(1)} MiB`);
  }
  return figures;
}

export function recorderSection(figures: RecorderFigures, { command, machine, date }: { command: string; machine: string; date: string }): string {
  const rps = (runs: RecorderRun[]) => mean(runs.map((run) => run.rps));
  const rss = (runs: RecorderRun[]) => mean(runs.map((run) => run.rss)) / MiB;
  const hwm = (runs: RecorderRun[]) => mean(runs.map((run) => run.hwm)) / MiB;
  const ratio = rps(figures.with) / rps(figures.without);
  const extraRss = rss(figures.with) - rss(figures.without);
  return [
    `From \`${command}\` on ${machine}, ${date}.`,
    '',
    `Load: autocannon in a second process, 8 connections, ${figures.seconds} s per phase after a 2 s warm-up, ${figures.rounds} interleaved rounds, fresh processes, on a route that makes and serializes 100 small objects; the app keeps ${figures.ballastMb} MB of small objects alive. The recorder runs with its defaults (512 KiB sampling interval, a spill every 5 s at least).`,
    '',
    '| app with startMaintenanceServer() | requests/s | ratio | RSS at the end, MiB | peak RSS, MiB |',
    '| --- | --- | --- | --- | --- |',
    `| recorder off (baseline) | ${rps(figures.without).toFixed(0)} | 1.000 | ${rss(figures.without).toFixed(1)} | ${hwm(figures.without).toFixed(1)} |`,
    `| recorder on | ${rps(figures.with).toFixed(0)} | ${ratio.toFixed(3)} | ${rss(figures.with).toFixed(1)} | ${hwm(figures.with).toFixed(1)} |`,
    '',
    `Throughput cost ${((1 - ratio) * 100).toFixed(1)}% (target: at most 1%, ${1 - ratio <= 0.01 ? 'met' : 'not met'}); extra resident memory ${extraRss.toFixed(1)} MiB (target: at most 16 MiB, ${extraRss <= 16 ? 'met' : 'not met'}).`,
    `Round by round (requests/s off / on): ${figures.without.map((run, index) => `${run.rps.toFixed(0)} / ${figures.with[index]!.rps.toFixed(0)}`).join(', ')}.`,
  ].join('\n');
}
