import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../src/operations/heap-profile.js';
import { newToken, stopChild } from './helpers/fixture.js';
import { request } from './helpers/http.js';

const CORPUS_APP = fileURLToPath(new URL('./fixtures/leak-corpus-app.js', import.meta.url));
const EXHAUSTION_APP = fileURLToPath(new URL('./fixtures/descriptor-exhaustion-app.js', import.meta.url));

/** Sampled bytes of nodes that have one of the endpoint's own frames (its compiled src/) on their stack. */
function bytesByOrigin(head: SamplingHeapProfileNode): { endpoint: number; total: number } {
  let endpoint = 0;
  let total = 0;
  const visit = (node: SamplingHeapProfileNode, inEndpoint: boolean): void => {
    const here = inEndpoint || /\/dist\/src\//.test(node.callFrame.url);
    total += node.selfSize;
    if (here) endpoint += node.selfSize;
    for (const child of node.children) visit(child, here);
  };
  visit(head, false);
  return { endpoint, total };
}

test("an idle app's heap profile: the endpoint's own frames hold under 5% of the live sampled bytes", async (t) => {
  // A quiet service: 20 small requests a second, each leaving a 1 KB record behind as garbage.
  const dir = mkdtempSync(join(tmpdir(), 'me-footprint-'));
  const token = newToken();
  const child = spawn(process.execPath, [CORPUS_APP, 'churn:20'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TMPDIR: dir, MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([{ id: 'admin', token, scopes: ['read', 'profile'] }]) },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line).url));
      child.once('exit', (code) => reject(new Error(`app exited with ${code}`)));
    });
    // Someone reads /memory as a dashboard would: the probe refreshes its figures for each such read.
    await request(`${url}/memory`, { token });
    const reply = await request(`${url}/heapprofile?seconds=10&interval=1024`, { token });
    assert.equal(reply.status, 200);
    const { endpoint, total } = bytesByOrigin(reply.json<SamplingHeapProfile>().head);
    t.diagnostic(`endpoint frames: ${endpoint} of ${total} live sampled bytes`);
    assert.ok(total > 0, 'the app allocated while profiled');
    assert.ok(endpoint / total < 0.05, `endpoint frames hold ${endpoint} of ${total} live sampled bytes`);
  } finally {
    await stopChild(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

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
