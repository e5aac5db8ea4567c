import type { SnapshotRun } from './snapshot-run.js';
import { SCENARIOS, TARGETS, type Scenario } from './snapshot-scenarios.js';
import { checkTargets, summarize, type HeapSizeResult } from './snapshot-summary.js';
import { mebibytes, ratio, seconds } from './units.js';

/** One line per run, as the bench goes. */
export function runLine(label: string, repetition: number, run: SnapshotRun): string {
  const head = `  ${label} #${repetition} ${run.scenario.padEnd(7)}`;
  const figures = `${seconds(run.seconds)}, ${run.bytes > 0 ? `${mebibytes(run.bytes)} received, ` : ''}RSS ${mebibytes(run.rssBefore)} +${mebibytes(run.extraPeakRss)} at peak${run.rssMethod === 'polling' ? ' (polled)' : ''}`;
  const leftovers = run.leftovers.length > 0 ? ` (left behind: ${run.leftovers.join(', ')})` : '';
  return `${head} ${run.error === null ? figures : `FAILED after ${seconds(run.seconds)}: ${run.error}`}${leftovers}`;
}

const TABLE_HEADER = ['scenario', 'time', 'fastest-slowest', 'vs floor', 'first byte', 'received', 'RSS before', 'extra peak RSS', 'vs floor'];

function tableRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** The figures of one heap size as a Markdown table: medians, and ratios to the floor. */
export function snapshotTable(result: HeapSizeResult): string {
  const summaries = summarize(result);
  const floor = summaries.get('floor');
  const vsFloor = (value: number, base: number | undefined) => (base !== undefined && base > 0 ? ratio(value, base) : '-');
  const rows = SCENARIOS.flatMap((scenario) => {
    const summary = summaries.get(scenario);
    if (summary === undefined) return [];
    const failed = summary.failures.length > 0 ? ` (${summary.failures.length} of ${summary.runs} failed: ${summary.failures[0]})` : '';
    if (Number.isNaN(summary.seconds)) return [tableRow([`${scenario}${failed}`, 'failed', ...TABLE_HEADER.slice(2).map(() => '')])];
    const [fastest, slowest] = summary.secondsRange;
    return [
      tableRow([
        `${scenario}${failed}`,
        seconds(summary.seconds),
        `${fastest.toFixed(2)}-${slowest.toFixed(2)} s`,
        vsFloor(summary.seconds, floor?.seconds),
        Number.isNaN(summary.firstByteSeconds) ? '-' : seconds(summary.firstByteSeconds),
        summary.bytes > 0 ? mebibytes(summary.bytes) : '-',
        mebibytes(summary.rssBefore),
        mebibytes(summary.extraPeakRss),
        vsFloor(summary.extraPeakRss, floor?.extraPeakRss),
      ]),
    ];
  });
  const heapUsed = [...summaries.values()].map((summary) => summary.heapUsed).filter((value) => !Number.isNaN(value));
  const heapRange = heapUsed.length === 0 ? '?' : mebibytes(Math.min(...heapUsed)) + (mebibytes(Math.max(...heapUsed)) !== mebibytes(Math.min(...heapUsed)) ? ` to ${mebibytes(Math.max(...heapUsed))}` : '');
  const runs = Math.max(...[...summaries.values()].map((summary) => summary.runs));
  return [
    `**${result.label}**: ${result.items.toLocaleString('en-US')} items, heapUsed ${heapRange}; median of ${runs} run${runs === 1 ? '' : 's'} per scenario.`,
    '',
    tableRow(TABLE_HEADER),
    tableRow(TABLE_HEADER.map(() => '---')),
    ...rows,
  ].join('\n');
}

/** Whether each of the issue's targets is met on this heap size. */
export function targetLines(result: HeapSizeResult): string[] {
  const summaries = summarize(result);
  const measured = (scenario: Scenario) => (summaries.get(scenario)?.seconds ?? Number.NaN) > 0;
  const checked = checkTargets(result).map((check) => {
    const spread = check.perRepetition.length > 1 ? ` (run by run: ${check.perRepetition.map((value) => `${value.toFixed(2)}x`).join(', ')})` : '';
    return `- ${result.label}, ${check.scenario} ${check.measure}: ${check.ratio.toFixed(3)}x the floor${spread}, target <= ${check.target.toFixed(2)}x: **${check.met ? 'met' : 'missed'}**`;
  });
  const unchecked = (Object.keys(TARGETS) as Scenario[])
    .filter((scenario) => !measured(scenario) || !measured('floor'))
    .map((scenario) => `- ${result.label}, ${scenario}: not checked, for want of a successful run of it and of the floor`);
  return [...checked, ...unchecked];
}
