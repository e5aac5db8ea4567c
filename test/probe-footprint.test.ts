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

/**
 * Sampled bytes of nodes that have one of the endpoint's own frames (its compiled src/) on their stack,
 * and those bytes by the innermost such frame (what a failing run shows, to say where they come from).
 */
function bytesByOrigin(head: SamplingHeapProfileNode): { endpoint: number; total: number; byFrame: Map<string, number> } {
  let endpoint = 0;
  let total = 0;
  const byFrame = new Map<string, number>();
  const visit = (node: SamplingHeapProfileNode, frame: string | undefined): void => {
    const { url, functionName, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const ours = /\/dist\/src\//.test(url);
    const here = ours ? `${name} ${url.slice(url.lastIndexOf('/') + 1)}:${lineNumber + 1}` : frame;
    total += node.selfSize;
    if (here !== undefined && node.selfSize > 0) {
      endpoint += node.selfSize;
      // A native or Node frame called from ours is named after it: that is the call that allocates.
      const key = ours ? here : `${here} > ${name}`;
      byFrame.set(key, (byFrame.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) visit(child, here);
  };
  visit(head, undefined);
  return { endpoint, total, byFrame };
}

function describeFrames(byFrame: Map<string, number>): string {
  return [...byFrame]
    .sort((a, b) => b[1] - a[1])
    .map(([frame, bytes]) => `${frame}: ${bytes}`)
    .join('; ');
}

test("an idle app's heap profile: the endpoint's own frames hold under 5% of the sampled bytes", async (t) => {
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
    // Someone reads /memory as a dashboard would (the full figures), and the live view samples every second.
    const gcsBefore = (await request(`${url}/memory`, { token })).json<{ gc: Record<string, { count: number }> }>().gc;
    // The issue asks for a share of the live sampled bytes; this decides on every allocation of the window,
    // collected or not, and prints the live share beside it. An idle app keeps only ~0-15 live samples
    // between two scavenges, so one ~1 KB sample of ours would be 7-100% of a live profile and the live
    // share says nothing a test can rely on. The endpoint's garbage and the app's die young alike, so over
    // ~600 allocated samples their shares are what a live profile shows on average.
    const churn = await request(`${url}/heapprofile?seconds=20&interval=1024&include=collected`, { token });
    assert.equal(churn.status, 200);
    const allocated = bytesByOrigin(churn.json<SamplingHeapProfile>().head);
    const gcsAfter = (await request(`${url}/memory`, { token })).json<{ gc: Record<string, { count: number }> }>().gc;
    const live = await request(`${url}/heapprofile?seconds=10&interval=1024`, { token });
    assert.equal(live.status, 200);
    const alive = bytesByOrigin(live.json<SamplingHeapProfile>().head);
    t.diagnostic(`endpoint frames: ${allocated.endpoint} of ${allocated.total} sampled bytes allocated in 20 s; ${alive.endpoint} of ${alive.total} live sampled bytes in 10 s`);
    t.diagnostic(`GCs in the 20 s: ${Object.keys(gcsAfter).map((kind) => `${kind} ${gcsAfter[kind]!.count - (gcsBefore[kind]?.count ?? 0)}`).join(', ')}`);
    t.diagnostic(`allocated by frame: ${describeFrames(allocated.byFrame)}`);
    assert.ok(allocated.total > 100 * 1024, 'the app allocated while profiled');
    assert.ok(allocated.endpoint / allocated.total < 0.05, `endpoint frames allocated ${allocated.endpoint} of ${allocated.total} sampled bytes`);
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
