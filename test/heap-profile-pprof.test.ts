import assert from 'node:assert/strict';
import { Session } from 'node:inspector/promises';
import { test } from 'node:test';
import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../src/operations/heap-profile.js';
import { heapProfileToPprof } from '../src/operations/pprof/heap-profile-to-pprof.js';
import { decodePprof } from './helpers/pprof.js';

/**
 * The pprof made of a sampling heap profile says what V8 estimated, not more: V8's inspector reports
 * each sample's bytes already unsampled (the object's size times the objects it stands for), so pprof's
 * space is those bytes and its object count the objects V8 counted. Checked on a real profile of this
 * process: objects of one known shape, allocated a known number of times by one function.
 */
const INTERVAL_BYTES = 1024;
const OBJECTS = 60_000;

class Record24 {
  // Twenty fields of its own: one allocation of about 184 bytes per instance, sampled about once in six.
  f0 = 0; f1 = 1; f2 = 2; f3 = 3; f4 = 4; f5 = 5; f6 = 6; f7 = 7; f8 = 8; f9 = 9;
  f10 = 10; f11 = 11; f12 = 12; f13 = 13; f14 = 14; f15 = 15; f16 = 16; f17 = 17; f18 = 18; f19 = 19;
}

const kept: Record24[] = [];
function allocateRecords(): void {
  for (let i = 0; i < OBJECTS; i++) kept.push(new Record24());
}

test('pprof heap values are V8 estimates, unsampled once: space equals the profile node, objects the count allocated', async () => {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', { samplingInterval: INTERVAL_BYTES });
    allocateRecords();
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: SamplingHeapProfile };
    const node = findNode(profile.head, 'allocateRecords');
    assert.ok(node !== undefined, 'the allocating function is in the profile');
    const pprof = decodePprof(heapProfileToPprof(profile, INTERVAL_BYTES, Date.now(), 1000));
    const objectsIndex = pprof.sampleTypes.indexOf('inuse_objects/count');
    const spaceIndex = pprof.sampleTypes.indexOf('inuse_space/bytes');
    const own = pprof.samples.filter((sample) => sample.stack[0]?.name === 'allocateRecords');
    const space = own.reduce((sum, sample) => sum + sample.values[spaceIndex]!, 0);
    const objects = own.reduce((sum, sample) => sum + sample.values[objectsIndex]!, 0);
    // V8 rounds the objects a sample stands for to a whole number per sample, and per object size for the node
    // (6.08 becomes 6 per sample here, 6.08 times the samples for the node): the two agree within that rounding.
    assert.ok(Math.abs(space / node.selfSize - 1) < 0.03, `pprof space ${space} is V8's estimate for the function, ${node.selfSize}`);
    assert.ok(Math.abs(objects / OBJECTS - 1) < 0.1, `about ${OBJECTS} objects counted: ${Math.round(objects)}`);
  } finally {
    await session.post('HeapProfiler.disable').catch(() => undefined);
    session.disconnect();
    kept.length = 0;
  }
});

function findNode(node: SamplingHeapProfileNode, name: string): SamplingHeapProfileNode | undefined {
  if (node.callFrame.functionName === name) return node;
  for (const child of node.children) {
    const found = findNode(child, name);
    if (found !== undefined) return found;
  }
  return undefined;
}
