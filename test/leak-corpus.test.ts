import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLeakCorpus, type MemberResult } from './helpers/leak-corpus.js';

/** Seconds from a process's start within which a leak of 1 MB/s or more must be called one. */
const DETECT_WITHIN_SECONDS = 60;
/** How long every steady process is watched: it must never be called a leak in that time. */
const STEADY_SECONDS = 300;

/**
 * The leak verdict's acceptance test: every process of the corpus (test/helpers/leak-corpus.ts) at once,
 * each a real app with the endpoint, its verdict asked every second through its own /memory/leaks from
 * the moment the endpoint answers. Running them side by side keeps this one five-minute test; the
 * processes are small (a few MB/s, at most a few hundred MB of heap), and a leak is stopped 5 s after it
 * is called. `npm run bench -- --leaks-only` runs the same corpus and prints its confusion matrix. Slower leaks,
 * with the endpoint's own requests among the polls, are test/slow-leak-corpus.test.ts.
 */
test('leak corpus: no steady process is called a leak in five minutes, every leak of 1 MB/s or more within 60 s', { timeout: 540_000 }, async (t) => {
  const results = await runLeakCorpus({ durationSeconds: STEADY_SECONDS, keepLeaksAfterDetectionSeconds: 5, pollMs: 1000 });
  const summary = results.map(describe).join('\n');
  for (const line of summary.split('\n')) t.diagnostic(line);
  for (const result of results) {
    const { member } = result;
    assert.equal(result.ended, null, `${member.name} ran to its end\n${summary}`);
    if (member.leakBytesPerSecond === 0) {
      assert.ok(result.watchedSeconds >= STEADY_SECONDS, `${member.name} was watched for five minutes\n${summary}`);
      assert.ok(result.samples.length >= 100, `${member.name} was asked often\n${summary}`);
      const called = result.samples.find((sample) => sample.leakSuspected);
      assert.equal(called, undefined, `${member.name} is never called a leak\n${summary}`);
    } else {
      assert.deepEqual(
        result.samples.filter((sample) => sample.verdict === 'no-leak').map((sample) => sample.seconds),
        [],
        `${member.name} is never called no-leak\n${summary}`,
      );
    }
    if (member.leakBytesPerSecond >= 1_000_000) {
      assert.ok(
        result.firstLeakSeconds !== null && result.firstLeakSeconds <= DETECT_WITHIN_SECONDS,
        `${member.name} is called a leak within ${DETECT_WITHIN_SECONDS} s\n${summary}`,
      );
    }
  }
});

function describe(result: MemberResult): string {
  const { member, firstLeakSeconds, firstDecisionSeconds, samples, ended } = result;
  const pauses = samples.flatMap((sample) => sample.automaticPauseMs ?? []);
  return (
    `${member.name}: first leak verdict ${firstLeakSeconds ?? 'never'} s, first decision ${firstDecisionSeconds ?? 'never'} s, ` +
    `${samples.length} verdicts, ${pauses.length} forced full GCs (${pauses.map((ms) => Math.round(ms)).join(', ') || 'none'} ms), ` +
    `watched ${result.watchedSeconds} s${ended ? `, ${ended}` : ''}`
  );
}
