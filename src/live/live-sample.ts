import type { InspectorMemoryFigures } from '../operations/memory-usage.js';
import { GC_KINDS, type GcKind } from '../probe/probe-layout.js';
import type { GcEvent, ProbeFigures } from '../probe/probe-reader.js';

/** GC pauses of one kind within one sample's interval. */
export interface GcPauses {
  count: number;
  /** Total pause, seconds. */
  seconds: number;
}

/**
 * One second of the process, as the console charts it. Bytes and seconds; null where the source
 * cannot tell (a sidecar's target runs no probe, so it has no event-loop or GC figures).
 */
export interface LiveSample {
  /** When the sample was taken, ms since the epoch. */
  t: number;
  source: 'probe' | 'inspector';
  heapUsed: number | null;
  heapTotal: number | null;
  heapLimit: number | null;
  rss: number | null;
  external: number | null;
  /** Event-loop delay over the probe's current window (up to 10 s), seconds. */
  eventLoopDelay: { p50: number; p99: number; max: number } | null;
  eventLoopUtilization: number | null;
  /** GC pauses since the previous sample, by kind. */
  gc: Record<GcKind, GcPauses> | null;
  /** When the last major (mark-sweep-compact) GC ended, ms since the epoch; null when none was seen. */
  lastMajorGcAt: number | null;
  /**
   * Whether the main thread ran its probe lately: false while its loop is blocked, when every figure
   * above but rss is stale. Null where no probe runs.
   */
  mainThreadResponsive: boolean | null;
  /** How old the main thread's figures are, seconds: how long it has been stuck when it is. */
  figuresAgeSeconds: number;
}

/** More than three missed probe ticks: the main thread has not run its timer, so its loop is blocked. */
const MISSED_TICKS = 3;

export function emptyGcPauses(): Record<GcKind, GcPauses> {
  return Object.fromEntries(GC_KINDS.map((kind) => [kind, { count: 0, seconds: 0 }])) as Record<GcKind, GcPauses>;
}

/** Adds GC events to per-kind totals (in place). */
export function addGcEvents(pauses: Record<GcKind, GcPauses>, events: readonly GcEvent[]): void {
  for (const event of events) {
    pauses[event.kind].count += 1;
    pauses[event.kind].seconds += event.seconds;
  }
}

export function sampleFromProbe(
  figures: ProbeFigures,
  gc: Record<GcKind, GcPauses>,
  lastMajorGcAt: number | null,
  rss: number | null,
  now: number,
): LiveSample {
  const ageMs = Math.max(0, now - figures.updatedAt);
  // The heartbeat, not the figures' age: while nobody watches, the figures are refreshed less often.
  const silentMs = Math.max(0, now - figures.heartbeatAt);
  return {
    t: now,
    source: 'probe',
    heapUsed: figures.heapUsed,
    heapTotal: figures.heapTotal,
    heapLimit: figures.heapLimit,
    rss,
    external: figures.external,
    eventLoopDelay: { p50: figures.eventLoopDelay.p50, p99: figures.eventLoopDelay.p99, max: figures.eventLoopDelay.max },
    eventLoopUtilization: figures.eventLoopUtilization,
    gc,
    lastMajorGcAt,
    mainThreadResponsive: silentMs < figures.intervalMs * MISSED_TICKS,
    figuresAgeSeconds: ageMs / 1000,
  };
}

/** A sample from figures the inspector returned (taken at `takenAt`), or an empty one when it did not answer. */
export function sampleFromInspector(figures: InspectorMemoryFigures | undefined, takenAt: number, now: number): LiveSample {
  return {
    t: now,
    source: 'inspector',
    heapUsed: figures?.memory.heapUsed ?? null,
    heapTotal: figures?.memory.heapTotal ?? null,
    heapLimit: figures?.heap.heap_size_limit ?? null,
    rss: figures?.memory.rss ?? null,
    external: figures?.memory.external ?? null,
    eventLoopDelay: null,
    eventLoopUtilization: null,
    gc: null,
    lastMajorGcAt: null,
    mainThreadResponsive: null,
    figuresAgeSeconds: Math.max(0, now - takenAt) / 1000,
  };
}
