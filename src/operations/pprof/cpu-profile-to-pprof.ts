import type { CpuProfile, CpuProfileNode } from '../cpu-profile.js';
import { PprofBuilder } from './pprof-builder.js';

/**
 * A DevTools CPU profile as pprof: one sample per distinct stack, valued as the number of V8 samples
 * and the CPU time they cover (each sample's time delta, in nanoseconds). The `(root)` node is left
 * out of stacks; `(program)`, `(idle)` and `(garbage collector)` stay, as DevTools shows them.
 */
export function cpuProfileToPprof(profile: CpuProfile, intervalUs: number, startedAtMs: number): Buffer {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  const totals = new Map<number, { count: number; nanos: number }>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((nodeId, index) => {
    const total = totals.get(nodeId) ?? { count: 0, nanos: 0 };
    total.count += 1;
    total.nanos += Math.max(0, deltas[index] ?? intervalUs) * 1000;
    totals.set(nodeId, total);
  });

  const builder = new PprofBuilder();
  for (const [nodeId, total] of totals) {
    builder.sample(stackOf(nodeId, nodes, parents, builder), [total.count, Math.round(total.nanos)]);
  }
  return builder.encode({
    sampleTypes: [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ],
    period: ['cpu', 'nanoseconds', intervalUs * 1000],
    timeNanos: Math.round(startedAtMs * 1e6),
    durationNanos: Math.max(0, Math.round((profile.endTime - profile.startTime) * 1000)),
    defaultSampleType: 'cpu',
  });
}

function stackOf(nodeId: number, nodes: Map<number, CpuProfileNode>, parents: Map<number, number>, builder: PprofBuilder): number[] {
  const stack: number[] = [];
  for (let id: number | undefined = nodeId; id !== undefined; id = parents.get(id)) {
    const node = nodes.get(id)!;
    if (parents.has(id) || node.callFrame.functionName !== '(root)') stack.push(builder.location(node.callFrame));
  }
  return stack;
}
