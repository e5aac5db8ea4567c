import { readMemoryViaInspector, type InspectorMemoryFigures } from '../../operations/memory-usage.js';
import type { ProbeFigures } from '../../probe/probe-reader.js';
import { threadParam, threadTarget } from '../thread-target.js';
import { defineRoute } from './route.js';

/** `GET {base}/memory`: the app's memory, GC and event-loop figures from the main-thread probe. */
export const memoryRoute = defineRoute({
  method: 'GET',
  path: '/memory',
  scope: 'read',
  summary: "The app main thread's memory (bytes), GC counts and time, event-loop delay (seconds) and utilization; ?thread=ID: a worker's, read through its inspector.",
  params: () => ({ thread: threadParam }),
  async handle({ res, context, params }) {
    if (params.thread !== undefined && params.thread !== 0) {
      // The probe watches the main thread only: a worker's figures are read from it on demand.
      const figures = await readMemoryViaInspector(await threadTarget(context, params.thread));
      res.json({ thread: params.thread, ...describeInspectorMemory(figures, 'GC history and event-loop figures are kept for the main thread only.') });
      return;
    }
    if (context.probe !== undefined) {
      res.json(describeMemory(context.probe.reader.figures()));
      return;
    }
    res.json(describeInspectorMemory(await readMemoryViaInspector(context.target)));
  },
});

/** Without a probe in the target (a sidecar), what the inspector can tell now, and plainly what it cannot. */
function describeInspectorMemory(
  { memory, heap, spaces }: InspectorMemoryFigures,
  reason = 'GC history and event-loop figures come from a probe inside the app; this target runs none.',
): object {
  return {
    source: 'inspector',
    unavailable: { fields: ['gc', 'eventLoop'], reason },
    updatedAt: new Date().toISOString(),
    ageSeconds: 0,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    heapLimit: heap.heap_size_limit,
    heapUsedRatio: round(memory.heapUsed / heap.heap_size_limit),
    rss: memory.rss,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    mallocedMemory: heap.malloced_memory,
    nativeContexts: heap.number_of_native_contexts,
    detachedContexts: heap.number_of_detached_contexts,
    heapSpaces: spaces.map((space) => ({
      name: space.space_name,
      size: space.space_size,
      used: space.space_used_size,
      available: space.space_available_size,
      physical: space.physical_space_size,
    })),
    gc: null,
    eventLoop: null,
  };
}

export function describeMemory(f: ProbeFigures): object {
  const ageSeconds = (Date.now() - f.updatedAt) / 1000;
  return {
    source: 'main-thread probe',
    updatedAt: new Date(f.updatedAt).toISOString(),
    ageSeconds: round(ageSeconds),
    // More than three missed updates: the main thread has not run its probe, so it is blocked.
    mainThreadResponsive: ageSeconds * 1000 < f.intervalMs * 3,
    heapUsed: f.heapUsed,
    heapTotal: f.heapTotal,
    heapLimit: f.heapLimit,
    heapUsedRatio: round(f.heapUsed / f.heapLimit),
    // rss is process-wide and read fresh, so it is current even when the figures above are stale.
    rss: process.memoryUsage.rss(),
    external: f.external,
    arrayBuffers: f.arrayBuffers,
    mallocedMemory: f.mallocedMemory,
    nativeContexts: f.nativeContexts,
    detachedContexts: f.detachedContexts,
    heapSpaces: f.spaces.map((space) => ({
      name: space.name,
      size: space.sizeBytes,
      used: space.usedBytes,
      available: space.availableBytes,
      physical: space.physicalBytes,
    })),
    gc: Object.fromEntries(Object.entries(f.gc).map(([kind, total]) => [kind, { count: total.count, seconds: round(total.seconds) }])),
    eventLoop: {
      delaySeconds: Object.fromEntries(Object.entries(f.eventLoopDelay).map(([key, value]) => [key, round(value)])),
      utilization: round(f.eventLoopUtilization),
    },
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
