import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../heap-profile.js';
import { PprofBuilder } from './pprof-builder.js';

/**
 * A DevTools sampling heap profile as pprof with Go's four heap sample types, `alloc_objects`,
 * `alloc_space`, `inuse_objects` and `inuse_space` (default `inuse_space`, as Go's), so that
 * `go tool pprof`, Pyroscope and Grafana read it as they read a Go heap profile.
 *
 * Values are estimates of the whole heap, unsampled as Go does it: V8, like Go, samples allocations
 * with a Poisson process of mean `intervalBytes`, so an allocation of `size` bytes is sampled with
 * probability 1 - e^(-size/interval), and each sample stands for 1 / that many allocations.
 *
 * `alloc_*` counts every sample the profile holds and `inuse_*` those still alive; `liveOrdinals` names
 * the live samples (by their `ordinal`) when the profile also holds collected ones. Without it, every
 * sample is live: what V8 returns by default, where both pairs then agree.
 */
export function heapProfileToPprof(
  profile: SamplingHeapProfile,
  intervalBytes: number,
  startedAtMs: number,
  durationMs: number,
  liveOrdinals?: ReadonlySet<number>,
): Buffer {
  const totals = new Map<number, { allocObjects: number; allocSpace: number; inuseObjects: number; inuseSpace: number }>();
  for (const sample of profile.samples) {
    const weight = 1 / -Math.expm1(-sample.size / intervalBytes);
    const total = totals.get(sample.nodeId) ?? { allocObjects: 0, allocSpace: 0, inuseObjects: 0, inuseSpace: 0 };
    total.allocObjects += weight;
    total.allocSpace += weight * sample.size;
    if (liveOrdinals === undefined || liveOrdinals.has(sample.ordinal)) {
      total.inuseObjects += weight;
      total.inuseSpace += weight * sample.size;
    }
    totals.set(sample.nodeId, total);
  }

  const builder = new PprofBuilder();
  const visit = (node: SamplingHeapProfileNode, parentStack: number[]): void => {
    const isRoot = node === profile.head;
    const stack = isRoot ? parentStack : [builder.location(node.callFrame), ...parentStack];
    const total = totals.get(node.id);
    if (total !== undefined) {
      builder.sample(stack, [total.allocObjects, total.allocSpace, total.inuseObjects, total.inuseSpace].map(Math.round));
    }
    for (const child of node.children) visit(child, stack);
  };
  visit(profile.head, []);
  return builder.encode({
    sampleTypes: [
      ['alloc_objects', 'count'],
      ['alloc_space', 'bytes'],
      ['inuse_objects', 'count'],
      ['inuse_space', 'bytes'],
    ],
    period: ['space', 'bytes', intervalBytes],
    timeNanos: Math.round(startedAtMs * 1e6),
    durationNanos: Math.round(durationMs * 1e6),
    defaultSampleType: 'inuse_space',
  });
}
