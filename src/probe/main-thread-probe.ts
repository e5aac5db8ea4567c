import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { createProbeBuffer, F, GC_FIELDS, GC_KINDS, GC_RING_CAPACITY, GC_RING_OFFSET, MAX_SPACES, SPACE_FIELDS, type GcKind } from './probe-layout.js';

/** What a reader needs to attach to the probe from any thread. Plain data: it crosses into a worker. */
export interface ProbeHandle {
  buffer: SharedArrayBuffer;
  spaceNames: string[];
}

const TICK_MS = 1000;
/** Event-loop delay percentiles describe this window; the histogram restarts after it. */
const ELD_WINDOW_MS = 10_000;

/** V8's GC type names, as GCProfiler reports them, mapped to prom-client's kinds. */
const KIND_OF: Record<string, GcKind> = {
  Scavenge: 'minor',
  MinorMarkSweep: 'minor',
  MinorMarkCompact: 'minor',
  MarkSweepCompact: 'major',
  IncrementalMarking: 'incremental',
  ProcessWeakCallbacks: 'weakcb',
};

interface GcRecord {
  gcType: string;
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

/**
 * A light probe on the main thread: once a second it publishes heap, space and process memory figures,
 * the GCs of the last second (from v8.GCProfiler, with the heap before and after each) and event-loop
 * delay and utilization. Its timer is unref'd and does no I/O; the cost is measured in
 * docs/benchmarks.md. One probe serves the whole process; it stops when its last user releases it.
 */
class MainThreadProbe {
  readonly handle: ProbeHandle;
  readonly #f64: Float64Array;
  readonly #seq: Int32Array;
  readonly #timer: NodeJS.Timeout;
  readonly #delay: IntervalHistogram;
  #gcProfiler: GCProfiler;
  #eluMark: EventLoopUtilization;
  #delayResetAt = Date.now();
  #lastTick = performance.now();

  constructor() {
    const buffer = createProbeBuffer();
    this.#f64 = new Float64Array(buffer);
    this.#seq = new Int32Array(buffer, 0, 2);
    const spaceNames = getHeapSpaceStatistics()
      .slice(0, MAX_SPACES)
      .map((space) => space.space_name);
    this.handle = { buffer, spaceNames };
    this.#delay = monitorEventLoopDelay({ resolution: 10 });
    this.#delay.enable();
    this.#gcProfiler = new GCProfiler();
    this.#gcProfiler.start();
    this.#eluMark = performance.eventLoopUtilization();
    this.#write(() => {
      this.#f64[F.startedAt] = Date.now();
      this.#f64[F.intervalMs] = TICK_MS;
      this.#f64[F.spaceCount] = spaceNames.length;
    });
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), TICK_MS).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#delay.disable();
    this.#gcProfiler.stop();
  }

  #tick(): void {
    const now = performance.now();
    const lag = Math.max(0, now - this.#lastTick - TICK_MS) / 1000;
    this.#lastTick = now;
    const gcs = (this.#gcProfiler.stop()?.statistics ?? []) as GcRecord[];
    this.#gcProfiler = new GCProfiler();
    this.#gcProfiler.start();
    const heap = getHeapStatistics();
    const spaces = getHeapSpaceStatistics().slice(0, MAX_SPACES);
    const memory = process.memoryUsage();
    const elu = performance.eventLoopUtilization(this.#eluMark);
    this.#eluMark = performance.eventLoopUtilization();
    const activeResources = process.getActiveResourcesInfo().length;
    const f = this.#f64;
    this.#write(() => {
      f[F.updatedAt] = Date.now();
      f[F.heapUsed] = heap.used_heap_size;
      f[F.heapTotal] = heap.total_heap_size;
      f[F.heapLimit] = heap.heap_size_limit;
      f[F.external] = memory.external;
      f[F.arrayBuffers] = memory.arrayBuffers;
      f[F.mallocedMemory] = heap.malloced_memory;
      f[F.nativeContexts] = heap.number_of_native_contexts;
      f[F.detachedContexts] = heap.number_of_detached_contexts;
      f[F.activeResources] = activeResources;
      f[F.elu] = elu.utilization;
      f[F.lastTickLagSeconds] = lag;
      this.#writeDelay();
      spaces.forEach((space, index) => {
        const at = F.spaces + index * SPACE_FIELDS;
        f[at] = space.space_size;
        f[at + 1] = space.space_used_size;
        f[at + 2] = space.space_available_size;
        f[at + 3] = space.physical_space_size;
      });
      for (const gc of gcs) this.#appendGc(gc);
    });
  }

  #writeDelay(): void {
    const f = this.#f64;
    const h = this.#delay;
    // An empty histogram reports min as the largest int64: publish zeros until it has a sample.
    const s = (ns: number) => (h.count > 0 && Number.isFinite(ns) ? ns / 1e9 : 0);
    f[F.eldMin] = s(h.min);
    f[F.eldMax] = s(h.max);
    f[F.eldMean] = s(h.mean);
    f[F.eldStddev] = s(h.stddev);
    f[F.eldP50] = s(h.percentile(50));
    f[F.eldP90] = s(h.percentile(90));
    f[F.eldP99] = s(h.percentile(99));
    f[F.eldWindowSeconds] = (Date.now() - this.#delayResetAt) / 1000;
    if (Date.now() - this.#delayResetAt >= ELD_WINDOW_MS) {
      h.reset();
      this.#delayResetAt = Date.now();
    }
  }

  #appendGc(gc: GcRecord): void {
    const kind = KIND_OF[gc.gcType];
    if (kind === undefined) return;
    const f = this.#f64;
    const code = GC_KINDS.indexOf(kind);
    const seconds = gc.cost / 1e6;
    f[F.gcTotals + code * 2] = f[F.gcTotals + code * 2]! + 1;
    f[F.gcTotals + code * 2 + 1] = f[F.gcTotals + code * 2 + 1]! + seconds;
    const written = f[F.gcWritten]!;
    const at = GC_RING_OFFSET + (written % GC_RING_CAPACITY) * GC_FIELDS;
    // GCProfiler reports a batch without times: each is stamped with the end of the tick it fell in.
    f[at] = Date.now();
    f[at + 1] = code;
    f[at + 2] = seconds;
    f[at + 3] = gc.beforeGC.heapStatistics.usedHeapSize;
    f[at + 4] = gc.afterGC.heapStatistics.usedHeapSize;
    f[F.gcWritten] = written + 1;
  }

  #write(fill: () => void): void {
    Atomics.add(this.#seq, 0, 1);
    try {
      fill();
    } finally {
      Atomics.add(this.#seq, 0, 1);
    }
  }
}

const GLOBAL_KEY = Symbol.for('maintenance-endpoint.main-thread-probe');
type WithProbe = typeof globalThis & { [GLOBAL_KEY]?: { probe: MainThreadProbe; users: number } };

/**
 * Starts the process's probe, or joins the running one. Call on the main thread; the returned
 * release() stops it once every user has released it.
 */
export function acquireMainThreadProbe(): { handle: ProbeHandle; release: () => void } {
  const holder = globalThis as WithProbe;
  const entry = (holder[GLOBAL_KEY] ??= { probe: new MainThreadProbe(), users: 0 });
  entry.users += 1;
  let released = false;
  return {
    handle: entry.probe.handle,
    release: () => {
      if (released) return;
      released = true;
      entry.users -= 1;
      if (entry.users === 0) {
        entry.probe.stop();
        delete holder[GLOBAL_KEY];
      }
    },
  };
}
