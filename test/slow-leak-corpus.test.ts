import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLeakCorpus, SLOW_LEAKS, slowLeakRow, type MemberResult } from './helpers/leak-corpus.js';

/**
 * How long a slow leak is watched at most for its verdict to turn: 50 KB/s turned at 187 s on a quiet
 * machine and at 232 s under load (V8's own full GCs come about a minute apart for it).
 */
const SLOW_LEAK_SECONDS = 300;
/** How long a slow leak is watched after its verdict turned: the where-requests made then must not turn it back. */
const AFTER_LEAK_SECONDS = 40;

/**
 * Leaks of 50 to 500 KB/s, with where-requests (`seconds=5`, `types=count`) in the middle of each, before the
 * verdict turns and after: until it turns, the verdict may say it cannot tell yet, never `no-leak`; once it
 * turns, the endpoint's own requests (their forced full GCs) never turn it back. The /metrics gauge, read at
 * every poll, follows the same rule. The four run side by side.
 */
test('slow leaks with where-requests: never no-leak before the verdict turns to leak, and no flip after', { timeout: 480_000 }, async (t) => {
  const results = await runLeakCorpus({ members: SLOW_LEAKS, durationSeconds: SLOW_LEAK_SECONDS, keepLeaksAfterDetectionSeconds: AFTER_LEAK_SECONDS, pollMs: 1000 });
  const summary = results.map(describeSlowLeak).join('\n');
  for (const line of summary.split('\n')) t.diagnostic(line);
  for (const result of results) {
    const { member } = result;
    const { before, after } = slowLeakRow(result);
    assert.equal(result.ended, null, `${member.name} ran to its end\n${summary}`);
    assert.deepEqual(result.failedRequests, [], `${member.name}: every where-request was answered\n${summary}`);
    assert.equal(before['no-leak'], undefined, `${member.name} is never called no-leak before its verdict turns\n${summary}`);
    assert.ok(result.firstLeakSeconds !== null, `${member.name} is called a leak within ${SLOW_LEAK_SECONDS} s\n${summary}`);
    const whereAnswers = result.samples.filter((sample) => sample.query !== null && sample.query !== 'metrics');
    assert.equal(whereAnswers.length, member.requests!.length, `${member.name}: the where-requests answered verdicts\n${summary}`);
    assert.ok(result.samples.filter((sample) => sample.query === 'metrics').length >= 30, `${member.name}: the gauge was read at every poll\n${summary}`);
    assert.deepEqual(after.map((sample) => `sent ${sample.seconds} s, answered ${sample.answeredSeconds} s${sample.query ? ` (${sample.query})` : ''}: ${sample.verdict}`), [], `${member.name} stays a leak after its verdict turned\n${summary}`);
  }
});

function describeSlowLeak(result: MemberResult): string {
  const { before, after } = slowLeakRow(result);
  const where = result.samples.filter((sample) => sample.query !== null && sample.query !== 'metrics').map((sample) => `${sample.query} sent at ${sample.seconds} s, answered at ${sample.answeredSeconds} s: ${sample.verdict}`);
  return (
    `${result.member.name}: leak at ${result.firstLeakSeconds ?? 'never'} s; before: ${JSON.stringify(before)}; not leak after: ${after.length}; ` +
    `where-requests: ${where.join(', ') || 'none'}${result.failedRequests.length ? `; failed: ${result.failedRequests.join(', ')}` : ''}${result.ended ? `; ${result.ended}` : ''}`
  );
}
