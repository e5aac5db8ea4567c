import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../heap-profile.js';
import { PprofBuilder } from './pprof-builder.js';

/**
 * A DevTools sampling heap profile as pprof, with Go's heap sample type names, so that `go tool pprof
 * -sample_index=...`, Pyroscope and Grafana read it as they read a Go heap profile.
 *
 * Values are estimates of the whole heap, unsampled as Go does it: V8, like Go, samples allocations
 * with a Poisson process of mean `intervalBytes`, so an allocation of `size` bytes is sampled with
 * probability 1 - e^(-size/interval), and each sample stands for 1 / that many allocations.
 *
 * - A live profile (V8 dropped the samples the GC freed) carries all four of Go's types,
 *   `alloc_objects`, `alloc_space`, `inuse_objects`, `inuse_space` (default `inuse_space`, as Go's); its
 *   alloc pair equals the inuse pair, since what was freed is not known.
 * - A profile that kept freed samples (`includeCollected`) carries `alloc_objects` and `alloc_space`
 *   (default `alloc_space`): a kept sample carries no mark of whether its object died, so no inuse
 *   figures are made up from it.
 */
export function heapProfileToPprof(
  profile: SamplingHeapProfile,
  intervalBytes: number,
  startedAtMs: number,
  durationMs: number,
  includeCollected = false,
): Buffer {
  const totals = new Map<number, { objects: number; space: number }>();
  for (const sample of profile.samples) {
    const weight = 1 / -Math.expm1(-sample.size / intervalBytes);
    const total = totals.get(sample.nodeId) ?? { objects: 0, space: 0 };
    total.objects += weight;
    total.space += weight * sample.size;
    totals.set(sample.nodeId, total);
  }

  const builder = new PprofBuilder();
  const visit = (node: SamplingHeapProfileNode, parentStack: number[]): void => {
    const isRoot = node === profile.head;
    const stack = isRoot ? parentStack : [builder.location(node.callFrame), ...parentStack];
    const total = totals.get(node.id);
    if (total !== undefined) {
      const pair = [Math.round(total.objects), Math.round(total.space)];
      builder.sample(stack, includeCollected ? pair : [...pair, ...pair]);
    }
    for (const child of node.children) visit(child, stack);
  };
  visit(profile.head, []);
  const alloc: [string, string][] = [
    ['alloc_objects', 'count'],
    ['alloc_space', 'bytes'],
  ];
  const inuse: [string, string][] = [
    ['inuse_objects', 'count'],
    ['inuse_space', 'bytes'],
  ];
  return builder.encode({
    sampleTypes: includeCollected ? alloc : [...alloc, ...inuse],
    period: ['space', 'bytes', intervalBytes],
    timeNanos: Math.round(startedAtMs * 1e6),
    durationNanos: Math.round(durationMs * 1e6),
    defaultSampleType: includeCollected ? 'alloc_space' : 'inuse_space',
  });
}
