import type { SnapshotRun } from './snapshot-run.js';
import { SCENARIOS, TARGETS, type Scenario } from './snapshot-scenarios.js';
import { median } from './statistics.js';

/** Every run of every scenario on one heap size. */
export interface HeapSizeResult {
  label: string;
  items: number;
  /** One run of every scenario per repetition, in the order they ran. */
  repetitions: SnapshotRun[][];
}

export function allRuns(result: HeapSizeResult): SnapshotRun[] {
  return result.repetitions.flat();
}

/** The medians of one scenario's successful runs (each figure's median on its own). */
export interface ScenarioSummary {
  scenario: Scenario;
  runs: number;
  failures: string[];
  seconds: number;
  /** The fastest and slowest successful run, to show how much the runs varied. */
  secondsRange: [number, number];
  firstByteSeconds: number;
  bytes: number;
  rssBefore: number;
  extraPeakRss: number;
  heapUsed: number;
}

export interface TargetCheck {
  scenario: Scenario;
  measure: 'time' | 'extra peak RSS';
  ratio: number;
  /** The same ratio within each repetition (the scenario against the floor run next to it), to show the spread. */
  perRepetition: number[];
  target: number;
  met: boolean;
}

export function summarize(result: HeapSizeResult): Map<Scenario, ScenarioSummary> {
  const summaries = new Map<Scenario, ScenarioSummary>();
  for (const scenario of SCENARIOS) {
    const all = allRuns(result).filter((run) => run.scenario === scenario);
    if (all.length === 0) continue;
    const ok = all.filter((run) => run.error === null);
    const of = (figure: (run: SnapshotRun) => number | null) => median(ok.map(figure).filter((value): value is number => value !== null));
    summaries.set(scenario, {
      scenario,
      runs: all.length,
      failures: all.flatMap((run) => (run.error === null ? [] : [run.error])),
      seconds: of((run) => run.seconds),
      secondsRange: [Math.min(...ok.map((run) => run.seconds)), Math.max(...ok.map((run) => run.seconds))],
      firstByteSeconds: of((run) => run.firstByteSeconds),
      bytes: of((run) => run.bytes),
      rssBefore: of((run) => run.rssBefore),
      extraPeakRss: of((run) => run.extraPeakRss),
      heapUsed: of((run) => run.heapUsed),
    });
  }
  return summaries;
}

/** The targets against the floor of the same heap size; none where a side has no successful run. */
export function checkTargets(result: HeapSizeResult): TargetCheck[] {
  const summaries = summarize(result);
  const floor = summaries.get('floor');
  if (floor === undefined || !(floor.seconds > 0)) return [];
  const checks: TargetCheck[] = [];
  for (const [scenario, target] of Object.entries(TARGETS) as [Scenario, { time: number; extraPeakRss: number }][]) {
    const summary = summaries.get(scenario);
    if (summary === undefined || Number.isNaN(summary.seconds)) continue;
    const paired = (figure: (run: SnapshotRun) => number) =>
      result.repetitions.flatMap((runs) => {
        const [run, floorRun] = [scenario, 'floor'].map((name) => runs.find((candidate) => candidate.scenario === name && candidate.error === null));
        return run !== undefined && floorRun !== undefined ? [figure(run) / figure(floorRun)] : [];
      });
    const time = summary.seconds / floor.seconds;
    const rss = summary.extraPeakRss / floor.extraPeakRss;
    checks.push({ scenario, measure: 'time', ratio: time, perRepetition: paired((run) => run.seconds), target: target.time, met: time <= target.time });
    checks.push({
      scenario,
      measure: 'extra peak RSS',
      ratio: rss,
      perRepetition: paired((run) => run.extraPeakRss),
      target: target.extraPeakRss,
      met: rss <= target.extraPeakRss,
    });
  }
  return checks;
}
