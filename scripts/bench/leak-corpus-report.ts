import { confusionMatrix, LEAK_CORPUS, runLeakCorpus, SLOW_LEAKS, slowLeakRow, type MemberResult } from '../../test/helpers/leak-corpus.js';

/** Seconds within which a leak of 1 MB/s or more must be called one. */
const DETECT_WITHIN_SECONDS = 60;
// Seconds count from each workload's start; test/leak-corpus.test.ts and test/slow-leak-corpus.test.ts assert the same goals on the same corpus.

/**
 * The leak verdict's corpus for five minutes, every process at once: a row per process (its truth, its
 * first `leak` verdict, how many verdicts it gave) and the confusion matrix over them; then the slow leaks
 * with where-requests (test/slow-leak-corpus.test.ts), side by side, and their matrix.
 */
export async function runLeakCorpusBench(log: (line: string) => void): Promise<string> {
  const results = await runLeakCorpus({ members: LEAK_CORPUS, durationSeconds: 300, keepLeaksAfterDetectionSeconds: 5, pollMs: 1000 });
  const slow = await runLeakCorpus({ members: SLOW_LEAKS, durationSeconds: 240, keepLeaksAfterDetectionSeconds: 40, pollMs: 1000 });
  const section = `${leakCorpusSection(results)}\n\n${slowLeakSection(slow)}`;
  log(section);
  return section;
}

export function leakCorpusSection(results: MemberResult[]): string {
  const rows = results.map((r) => {
    const truth = r.member.leakBytesPerSecond > 0 ? `leak (${r.member.leakBytesPerSecond / 1000} KB/s)` : 'steady';
    const verdicts = r.samples.length;
    const insufficient = r.samples.filter((s) => s.verdict === 'insufficient-data').length;
    const forced = r.samples.flatMap((s) => s.automaticPauseMs ?? []).map((ms) => Math.round(ms));
    return `| ${r.member.name} | ${truth} | ${r.firstLeakSeconds ?? 'never'} | ${r.firstDecisionSeconds ?? 'never'} | ${verdicts} | ${insufficient} | ${forced.length > 0 ? forced.join(', ') : 'none'} | ${r.watchedSeconds} |`;
  });
  const fast = results.filter((r) => r.member.leakBytesPerSecond === 0 || r.member.leakBytesPerSecond >= 1_000_000);
  const m = confusionMatrix(fast, DETECT_WITHIN_SECONDS);
  return [
    '| process | truth | first `leak` verdict (s) | first decision (s) | verdicts | of them insufficient-data | full GCs forced unasked (pause, ms) | watched (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Steady processes and leaks of 1 MB/s or more (a leak counts as found when called one within ${DETECT_WITHIN_SECONDS} s):`,
    '',
    '| | called a leak | never called a leak |',
    '| --- | --- | --- |',
    `| leaking | ${m.truePositives} | ${m.falseNegatives} |`,
    `| steady | ${m.falsePositives} | ${m.trueNegatives} |`,
  ].join('\n');
}

/** Per slow leak: when the verdict turned to leak, what it said before (counts of each), and what the where-requests got. */
export function slowLeakSection(results: MemberResult[]): string {
  const rows = results.map((r) => {
    const { before, after } = slowLeakRow(r);
    const seen = Object.entries(before).map(([verdict, count]) => `${verdict} ×${count}`).join(', ') || 'none';
    const where = r.samples.filter((s) => s.query !== null && s.query !== 'metrics').map((s) => `${s.query} at ${s.seconds} s: ${s.verdict}`);
    return `| ${r.member.leakBytesPerSecond / 1000} KB/s | ${r.firstLeakSeconds ?? 'never'} | ${seen} | ${after.length} | ${where.join('; ') || 'none'} |`;
  });
  return [
    '| leak | verdict turned to `leak` at (s) | verdicts before it (the gauge included) | not `leak` after it | where-requests and their verdicts |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
