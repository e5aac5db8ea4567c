import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../src/operations/heap-profile.js';
import { KEEP_FUNCTION_NAMES, startFixture, type Fixture } from './helpers/fixture.js';
import { request } from './helpers/http.js';
import { decodePprof } from './helpers/pprof.js';

let app: Fixture;
before(async () => {
  app = await startFixture({ mode: 'worker', nodeArgs: KEEP_FUNCTION_NAMES });
});
after(() => app.stop());

function sampledBytes(head: SamplingHeapProfileNode, under: string): { under: number; total: number } {
  let inside = 0;
  let total = 0;
  const visit = (node: SamplingHeapProfileNode, below: boolean): void => {
    const here = below || node.callFrame.functionName === under;
    total += node.selfSize;
    if (here) inside += node.selfSize;
    for (const child of node.children) visit(child, here);
  };
  visit(head, false);
  return { under: inside, total };
}

test('include=collected: a churning process shows its churn, in DevTools JSON and in pprof as alloc_space', async () => {
  // Churning far past the three 2 s profiles, however slow a loaded machine makes the requests between
  // them: each profile must fall inside the churn. The app is stopped after the file's tests.
  await app.command({ cmd: 'churn', ms: 60_000 }, 'started');
  const live = await request(`${app.url}/heapprofile?seconds=2`, { token: app.tokens.admin });
  const collected = await request(`${app.url}/heapprofile?seconds=2&include=collected`, { token: app.tokens.admin });
  const pprofReply = await request(`${app.url}/heapprofile?seconds=2&include=collected&format=pprof`, { token: app.tokens.admin });
  for (const reply of [live, collected, pprofReply]) assert.equal(reply.status, 200);

  const all = sampledBytes(collected.json<SamplingHeapProfile>().head, 'allocateFiveMegabytes');
  assert.ok(all.under / all.total > 0.5, `most sampled bytes are under the churning function: ${all.under} of ${all.total}`);
  assert.ok(all.under > 4 * 1024 * 1024, `about 5 MB/s for 2 s sampled: ${all.under}`);
  const stillAlive = sampledBytes(live.json<SamplingHeapProfile>().head, 'allocateFiveMegabytes');
  assert.ok(stillAlive.under < all.under / 2, `a live profile misses most of the churn: ${stillAlive.under} vs ${all.under}`);

  const pprof = decodePprof(pprofReply.body);
  assert.deepEqual(pprof.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes']);
  const space = pprof.sampleTypes.indexOf('alloc_space/bytes');
  const sum = (samples: typeof pprof.samples) => samples.reduce((total, sample) => total + sample.values[space]!, 0);
  const churning = pprof.samples.filter((sample) => sample.stack.some((frame) => frame.name === 'allocateFiveMegabytes'));
  assert.ok(sum(churning) / sum(pprof.samples) > 0.5, `most alloc_space is under the churning function: ${sum(churning)} of ${sum(pprof.samples)}`);
});

test('include is checked: an unknown value is a 400', async () => {
  const reply = await request(`${app.url}/heapprofile?seconds=1&include=everything`, { token: app.tokens.admin });
  assert.equal(reply.status, 400);
  assert.equal(reply.json().error.code, 'INVALID_PARAMETER');
});
