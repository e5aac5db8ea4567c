import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../heap-profile.js';
import { PprofBuilder } from './pprof-builder.js';

/**
 * A DevTools sampling heap profile as pprof, with Go's sample type names so `go tool pprof
 * -sample_index=...` and Pyroscope read it as a Go heap profile would be read:
 * - a live profile (V8 dropped the samples the GC freed) gives `inuse_objects`/count and `inuse_space`/bytes;
 * - a profile that kept freed samples (includeCollected) gives `alloc_objects`/count and `alloc_space`/bytes.
 * One V8 sampling run cannot give both: a kept sample carries no mark of whether its object died, so
 * this never fills one pair from the other. Values are V8's sampled bytes and counts, not scaled up.
 */
export function heapProfileToPprof(
  profile: SamplingHeapProfile,
  intervalBytes: number,
  startedAtMs: number,
  durationMs: number,
  includeCollected = false,
): Buffer {
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
  const prefix = includeCollected ? 'alloc' : 'inuse';
  return builder.encode({
    sampleTypes: [
      [`${prefix}_objects`, 'count'],
      [`${prefix}_space`, 'bytes'],
    ],
    period: ['space', 'bytes', intervalBytes],
    timeNanos: Math.round(startedAtMs * 1e6),
    durationNanos: Math.round(durationMs * 1e6),
  });
}
