import { MaintenanceError, ProtocolError } from '../errors.js';
import type { CdpTarget } from '../targets/target.js';
import type { CallFrame } from './cpu-profile.js';

/**
 * V8 has one sampling heap profiler per isolate, whichever session started it: a second
 * `startSampling` is ignored and any session's `stopSampling` ends it for all (seen on Node 22, 24
 * and 26). So a profile taken while another holder (the recorder, a DevTools user) samples must read
 * the running sampler and never stop it.
 */

export interface SamplingHeapProfileNode {
  callFrame: CallFrame;
  /** Bytes of sampled allocations made by this frame itself: still alive at the end, or all of them with includeCollected. */
  selfSize: number;
  id: number;
  children: SamplingHeapProfileNode[];
}

export interface SamplingHeapProfileSample {
  size: number;
  nodeId: number;
  ordinal: number;
}

/** The DevTools `HeapProfiler.SamplingHeapProfile` (`.heapprofile`). */
export interface SamplingHeapProfile {
  head: SamplingHeapProfileNode;
  samples: SamplingHeapProfileSample[];
}

/** The running sampler's profile, or undefined when none runs. V8 runs a full GC before it answers. */
export async function runningSamplingProfile(target: CdpTarget): Promise<SamplingHeapProfile | undefined> {
  try {
    return (await target.send<{ profile: SamplingHeapProfile }>('HeapProfiler.getSamplingProfile')).profile;
  } catch (error) {
    if (error instanceof ProtocolError && /not started/i.test(error.message)) return undefined;
    throw error;
  }
}

/** Starts the sampler of live objects at `intervalBytes`; refuses when one runs already (its holder would lose it). */
export async function startLiveSampling(target: CdpTarget, intervalBytes: number): Promise<void> {
  if ((await runningSamplingProfile(target)) !== undefined) {
    throw new MaintenanceError('OPERATION_IN_PROGRESS', "V8's sampling heap profiler already runs in the target (another session started it).");
  }
  await target.send('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
}

export async function stopSampling(target: CdpTarget): Promise<void> {
  await target.send('HeapProfiler.stopSampling');
}

/** The highest sample ordinal in a profile (V8 numbers samples in the order it takes them), -1 when empty. */
export function lastOrdinal(profile: SamplingHeapProfile): number {
  let last = -1;
  for (const sample of profile.samples) if (sample.ordinal > last) last = sample.ordinal;
  return last;
}

/**
 * The part of a live profile allocated after the sample numbered `afterOrdinal`: what a profile started
 * then would hold now. Each node's selfSize is recomputed from the samples kept, and branches left
 * without samples are dropped, so DevTools draws only the window.
 */
export function profileAllocatedAfter(profile: SamplingHeapProfile, afterOrdinal: number): SamplingHeapProfile {
  const samples = profile.samples.filter((sample) => sample.ordinal > afterOrdinal);
  const selfSizes = new Map<number, number>();
  for (const sample of samples) selfSizes.set(sample.nodeId, (selfSizes.get(sample.nodeId) ?? 0) + sample.size);
  const prune = (node: SamplingHeapProfileNode): SamplingHeapProfileNode | undefined => {
    const children = node.children.map(prune).filter((child): child is SamplingHeapProfileNode => child !== undefined);
    const selfSize = selfSizes.get(node.id) ?? 0;
    if (selfSize === 0 && children.length === 0 && node !== profile.head) return undefined;
    return { ...node, selfSize, children };
  };
  return { head: prune(profile.head)!, samples };
}
