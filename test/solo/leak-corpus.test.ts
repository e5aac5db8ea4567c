import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLeakCorpus } from '../helpers/leak-corpus.js';

/**
 * The verdict's acceptance test: every process of the corpus at once, each small (a few MB/s, tens of
 * MB of heap), watched for five minutes of its life through its own /memory/leaks. Steady processes must
 * never be called leaks; processes keeping 1 MB/s or more must be called leaks within 60 s. Running them
 * side by side keeps this one five-minute test instead of fifty minutes of them; npm run bench -- --leaks-only
 * runs the same corpus and prints its confusion matrix. It lives in test/solo/: `npm test` runs it alone,
 * after the rest of the suite, so that other tests' processes do not compete with the corpus for the cores.
 */
test('leak corpus: no steady process is called a leak in five minutes, every leak of 1 MB/s or more within 60 s', { timeout: 420_000 }, async (t) => {
  const results = await runLeakCorpus({ durationSeconds: 300, keepLeaksAfterDetectionSeconds: 5, pollMs: 1000 });
  const lines: string[] = [];
  for (const result of results) {
    const { member, firstLeakSeconds, samples, ended } = result;
    lines.push(`${member.name}: first leak verdict ${firstLeakSeconds ?? 'never'} s, ${samples.length} verdicts, watched ${result.watchedSeconds} s${ended ? `, ${ended}` : ''}`);
  }
  const summary = lines.join('\n');
  for (const result of results) {
    const { member } = result;
    assert.equal(result.ended, null, `${member.name} ran to its end\n${summary}`);
    if (member.leakBytesPerSecond === 0) {
      assert.ok(result.watchedSeconds >= 300, `${member.name} was watched for five minutes\n${summary}`);
      assert.ok(result.samples.length > 100, `${member.name} was asked often\n${summary}`);
      assert.equal(result.firstLeakSeconds, null, `${member.name} is never called a leak\n${summary}`);
      assert.ok(result.samples.every((s) => s.leakSuspected === false), summary);
    } else if (member.leakBytesPerSecond >= 1_000_000) {
      assert.ok(result.firstLeakSeconds !== null && result.firstLeakSeconds <= 60, `${member.name} is called a leak within 60 s\n${summary}`);
    } else {
      assert.ok(result.firstLeakSeconds !== null, `${member.name} is called a leak within five minutes\n${summary}`);
    }
  }
  const slow = results.find((r) => r.member.leakBytesPerSecond === 100_000);
  t.diagnostic(`detection time of a 100 KB/s leak: ${slow?.firstLeakSeconds} s`);
  for (const line of lines) t.diagnostic(line);
});
