import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../heap-profile.js';
import { PprofBuilder } from './pprof-builder.js';

/**
 * A DevTools sampling heap profile as pprof: for each allocating stack, the number of live samples
 * (`objects`) and their bytes (`space`), as V8 reports them (sampled, not scaled up).
 */
export function heapProfileToPprof(profile: SamplingHeapProfile, intervalBytes: number, startedAtMs: number, durationMs: number): Buffer {
  const counts = new Map<number, number>();
  for (const sample of profile.samples) counts.set(sample.nodeId, (counts.get(sample.nodeId) ?? 0) + 1);

  const builder = new PprofBuilder();
  const visit = (node: SamplingHeapProfileNode, parentStack: number[]): void => {
    const isRoot = node === profile.head;
    const stack = isRoot ? parentStack : [builder.location(node.callFrame), ...parentStack];
    if (node.selfSize > 0) builder.sample(stack, [counts.get(node.id) ?? 0, node.selfSize]);
    for (const child of node.children) visit(child, stack);
  };
  visit(profile.head, []);
  return builder.encode({
    sampleTypes: [
      ['objects', 'count'],
      ['space', 'bytes'],
    ],
    period: ['space', 'bytes', intervalBytes],
    timeNanos: Math.round(startedAtMs * 1e6),
    durationNanos: Math.round(durationMs * 1e6),
  });
}
