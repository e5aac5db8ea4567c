import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const EXHAUSTION_APP = fileURLToPath(new URL('./fixtures/descriptor-exhaustion-app.js', import.meta.url));

test('out of file descriptors, the probe reports degraded, keeps its other figures and never throws', () => {
  const run = spawnSync('sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" "${EXHAUSTION_APP}"`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const seen = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  assert.equal(seen.exhausted, true, 'the app used up its descriptors');
  assert.equal(seen.memoryUsageThrows, true, 'process.memoryUsage() throws then');
  assert.equal(seen.before, null);
  assert.match(seen.during, /memoryUsage/);
  assert.ok(seen.heapUsed > 0);
  assert.equal(seen.after, null, 'degraded clears once descriptors are back');
});
