import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../heap-profile.js';
import { PprofBuilder } from './pprof-builder.js';

/**
 * A DevTools sampling heap profile as pprof, with Go's heap sample type names, so that `go tool pprof
 * -sample_index=...`, Pyroscope and Grafana read it as they read a Go heap profile.
 *
 * Values are estimates of the whole heap, unsampled as Go does it: V8, like Go, samples allocations
 * with a Poisson process of mean `intervalBytes`, so an allocation of `size` bytes is sampled with
 * probability 1 - e^(-size/interval), and each sample stands for 1 / that many allocations. V8's
 * inspector has already unsampled what it reports: a sample's `size` is the object's size times that
 * count, rounded to a whole number (v8-heap-profiler-agent-impl.cc, sampling-heap-profiler.cc): the bytes
 * it stands for. That is the space as it is; the objects it stands for are that count, which
 * `representedCount` recovers.
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
    const total = totals.get(sample.nodeId) ?? { objects: 0, space: 0 };
    total.objects += representedCount(sample.size, intervalBytes);
    total.space += sample.size;
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

/**
 * How many objects a sample V8 reports as `represented` bytes stands for: the whole number k with
 * represented = size * k and k = round(1 / (1 - e^(-size/interval))), as V8 computed it. The continuous
 * equation, solved for the size by bisection (size / (1 - e^(-size/interval)) rises from `interval` at
 * size 0 towards the size itself), gives k nearly; the whole numbers beside it are checked for the one
 * that is V8's: consistent, and giving an object a size of whole tagged words.
 */
export function representedCount(represented: number, intervalBytes: number): number {
  if (!(represented > intervalBytes)) return Math.max(1, Math.round(represented / MIN_OBJECT_BYTES));
  let low = 0;
  let high = represented;
  for (let i = 0; i < 60 && high - low > 0.01; i++) {
    const middle = (low + high) / 2;
    if (middle / -Math.expm1(-middle / intervalBytes) < represented) low = middle;
    else high = middle;
  }
  const nearest = Math.max(1, Math.round(represented / Math.max(MIN_OBJECT_BYTES, (low + high) / 2)));
  // Near the continuous answer two whole numbers can both be consistent (1104 bytes: 6 objects of 184, or 7 of
  // 157.7); an object's size is a whole number of tagged words (4 or 8 bytes), which only one of them gives.
  for (const k of [nearest, nearest - 1, nearest + 1, nearest - 2, nearest + 2, nearest - 3, nearest + 3]) {
    if (k < 1 || represented % k !== 0 || (represented / k) % TAGGED_BYTES !== 0) continue;
    if (Math.round(1 / -Math.expm1(-represented / k / intervalBytes)) === k) return k;
  }
  return nearest;
}

/** No heap object is smaller than a tagged word and a map. */
const MIN_OBJECT_BYTES = 8;
/** Heap objects' sizes are whole tagged words: 4 bytes with pointer compression, 8 without (Node's default). */
const TAGGED_BYTES = 4;
