import type { CpuProfile } from '../../src/operations/cpu-profile.js';

/** The share of a CPU profile's samples taken inside `name`: in it, or in anything it called. */
export function shareOfSamplesIn(profile: CpuProfile, name: string): number {
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const inside = (id: number | undefined): boolean =>
    id !== undefined && (byId.get(id)!.callFrame.functionName === name || inside(parents.get(id)));
  const samples = profile.samples ?? [];
  return samples.filter((id) => inside(id)).length / samples.length;
}
