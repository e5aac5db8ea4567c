import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import {
  createProbeBuffer,
  F,
  GC_FIELDS,
  GC_KINDS,
  GC_RING_CAPACITY,
  GC_RING_OFFSET,
  MAX_SPACES,
  SEQ_INT32,
  SPACE_FIELDS,
  WAKE_INT32,
  type GcKind,
} from './probe-layout.js';

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

/** The young generation's spaces: everything else is the old generation. */
const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);

/** Atomics.waitAsync (ES2024) is in every Node this package supports, not in the compiler's ES2022 lib. */
interface AtomicsWithWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

interface GcHeapState {
  heapStatistics: { usedHeapSize: number };
  heapSpaceStatistics?: Array<{ spaceName: string; spaceUsedSize: number }>;
}

interface GcRecord {
  gcType: string;
  cost: number;
  beforeGC: GcHeapState;
  afterGC: GcHeapState;
}

/**
 * A light probe on the main thread. It must not disturb what it measures, so an idle tick allocates
 * next to nothing: it stamps a heartbeat, and does real work only when there is something to read.
 * - GCs: when a `gc` PerformanceObserver reports some, the running v8.GCProfiler is stopped, its records
 *   (heap before and after each GC, per space) go into a ring, and a new one starts. The cost follows
 *   the GC count, which follows the app's own allocation.
 * - Figures (heap, spaces, process memory, event-loop delay and utilization): refreshed at once when a
 *   reader asks (it bumps a wake counter the main thread awaits with Atomics.waitAsync), and only then:
 *   a dashboard that scrapes every 15 s costs one refresh per 15 s, an app nobody watches none.
 * Nothing here may throw into the app: a figure that cannot be read marks the probe `degraded`.
 */
class MainThreadProbe {
  readonly handle: ProbeHandle;
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  readonly #timer: NodeJS.Timeout;
  readonly #delay: IntervalHistogram;
  readonly #gcObserver: PerformanceObserver;
  #gcProfiler: GCProfiler;
  #eluMark: EventLoopUtilization;
  #delayResetAt = Date.now();
  #lastTick = performance.now();
  #stopped = false;

  constructor() {
    const buffer = createProbeBuffer();
    this.#f64 = new Float64Array(buffer);
    this.#i32 = new Int32Array(buffer, 0, 2);
    const spaceNames = getHeapSpaceStatistics()
      .slice(0, MAX_SPACES)
      .map((space) => space.space_name);
    this.handle = { buffer, spaceNames };
    this.#delay = monitorEventLoopDelay({ resolution: 10 });
    this.#delay.enable();
    this.#gcProfiler = new GCProfiler();
    this.#gcProfiler.start();
    this.#gcObserver = new PerformanceObserver(this.#onGc);
    this.#gcObserver.observe({ entryTypes: ['gc'] });
    this.#eluMark = performance.eventLoopUtilization();
    this.#write(this.#writeConstants);
    this.#f64[F.heartbeatAt] = Date.now();
    this.#refresh();
    this.#awaitWake();
    this.#timer = setInterval(this.#tick, TICK_MS).unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#delay.disable();
    this.#gcObserver.disconnect();
    this.#gcProfiler.stop();
    // A pending Atomics.waitAsync holds no handle open; waking it lets it see #stopped and end.
    Atomics.add(this.#i32, WAKE_INT32, 1);
    Atomics.notify(this.#i32, WAKE_INT32);
  }

  /** Publishes fresh figures now (on the main thread: router mode reads them in place). */
  refresh(): void {
    this.#refresh();
  }

  /** Called soon after GCs (batched): their records are read at once, so their stamps are close. */
  readonly #onGc = (): void => {
    if (this.#stopped) return;
    try {
      this.#collectGcs();
    } catch {
      this.#f64[F.degraded] = 2;
    }
  };

  readonly #tick = (): void => {
    try {
      const f = this.#f64;
      f[F.heartbeatAt] = Date.now();
      const tickAt = performance.now();
      f[F.lastTickLagSeconds] = Math.max(0, tickAt - this.#lastTick - TICK_MS) / 1000;
      this.#lastTick = tickAt;
    } catch {
      this.#f64[F.degraded] = 2;
    }
  };

  #awaitWake(): void {
    if (this.#stopped) return;
    try {
      const seen = Atomics.load(this.#i32, WAKE_INT32);
      const wait = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(this.#i32, WAKE_INT32, seen);
      if (wait.async) {
        void wait.value.then(this.#onWake, this.#onWake);
      } else {
        setImmediate(this.#onWake).unref();
      }
    } catch {
      // Without waitAsync the figures still refresh at ticks once asked for.
    }
  }

  readonly #onWake = (): void => {
    if (this.#stopped) return;
    try {
      this.#refresh();
    } catch {
      this.#f64[F.degraded] = 2;
    }
    this.#awaitWake();
  };

  #collectGcs(): void {
    const gcs = (this.#gcProfiler.stop()?.statistics ?? []) as GcRecord[];
    this.#gcProfiler = new GCProfiler();
    this.#gcProfiler.start();
    if (gcs.length === 0) return;
    this.#pendingGcs = gcs;
    this.#write(this.#appendPendingGcs);
  }

  #pendingGcs: GcRecord[] = [];

  readonly #appendPendingGcs = (): void => {
    for (const gc of this.#pendingGcs) this.#appendGc(gc);
    this.#pendingGcs = [];
  };

  readonly #writeConstants = (): void => {
    const f = this.#f64;
    f[F.startedAt] = Date.now();
    f[F.intervalMs] = TICK_MS;
    f[F.spaceCount] = this.handle.spaceNames.length;
  };

  #refresh(): void {
    this.#write(this.#writeFigures);
  }

  readonly #writeFigures = (): void => {
    const f = this.#f64;
    const heap = getHeapStatistics();
    f[F.heapUsed] = heap.used_heap_size;
    f[F.heapTotal] = heap.total_heap_size;
    f[F.heapLimit] = heap.heap_size_limit;
    f[F.mallocedMemory] = heap.malloced_memory;
    f[F.nativeContexts] = heap.number_of_native_contexts;
    f[F.detachedContexts] = heap.number_of_detached_contexts;
    try {
      // Reads /proc for rss, so it throws EMFILE when the process is out of descriptors.
      const memory = process.memoryUsage();
      f[F.external] = memory.external;
      f[F.arrayBuffers] = memory.arrayBuffers;
      if (f[F.degraded] === 1) f[F.degraded] = 0;
    } catch {
      f[F.degraded] = 1;
    }
    f[F.activeResources] = process.getActiveResourcesInfo().length;
    const elu = performance.eventLoopUtilization(this.#eluMark);
    this.#eluMark = performance.eventLoopUtilization();
    f[F.elu] = elu.utilization;
    this.#writeDelay();
    const spaces = getHeapSpaceStatistics();
    const count = Math.min(spaces.length, MAX_SPACES);
    for (let index = 0; index < count; index++) {
      const space = spaces[index]!;
      const at = F.spaces + index * SPACE_FIELDS;
      f[at] = space.space_size;
      f[at + 1] = space.space_used_size;
      f[at + 2] = space.space_available_size;
      f[at + 3] = space.physical_space_size;
    }
    f[F.updatedAt] = Date.now();
  };

  #writeDelay(): void {
    const f = this.#f64;
    const h = this.#delay;
    // An empty histogram reports min as the largest int64: publish zeros until it has a sample.
    const has = h.count > 0;
    f[F.eldMin] = has && Number.isFinite(h.min) ? h.min / 1e9 : 0;
    f[F.eldMax] = has ? h.max / 1e9 : 0;
    f[F.eldMean] = has ? h.mean / 1e9 : 0;
    f[F.eldStddev] = has && Number.isFinite(h.stddev) ? h.stddev / 1e9 : 0;
    f[F.eldP50] = has ? h.percentile(50) / 1e9 : 0;
    f[F.eldP90] = has ? h.percentile(90) / 1e9 : 0;
    f[F.eldP99] = has ? h.percentile(99) / 1e9 : 0;
    const windowMs = Date.now() - this.#delayResetAt;
    f[F.eldWindowSeconds] = windowMs / 1000;
    if (windowMs >= ELD_WINDOW_MS) {
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
    // GCProfiler reports a batch without times: each is stamped with the moment the batch is read.
    f[at] = Date.now();
    f[at + 1] = code;
    f[at + 2] = seconds;
    f[at + 3] = gc.beforeGC.heapStatistics.usedHeapSize;
    f[at + 4] = gc.afterGC.heapStatistics.usedHeapSize;
    f[at + 5] = oldGenerationUsed(gc.afterGC);
    f[F.gcWritten] = written + 1;
  }

  /** Runs `fill` under the sequence lock, then wakes readers waiting for fresh figures. */
  #write(fill: () => void): void {
    Atomics.add(this.#i32, SEQ_INT32, 1);
    try {
      fill();
    } finally {
      Atomics.add(this.#i32, SEQ_INT32, 1);
      Atomics.notify(this.#i32, SEQ_INT32);
    }
  }
}

function oldGenerationUsed(state: GcHeapState): number {
  const spaces = state.heapSpaceStatistics;
  if (spaces === undefined) return state.heapStatistics.usedHeapSize;
  let used = 0;
  for (const space of spaces) if (!YOUNG_SPACES.has(space.spaceName)) used += space.spaceUsedSize;
  return used;
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

/**
 * Refreshes the probe's figures in place when called on the thread the probe runs on (router mode);
 * false elsewhere, where a reader wakes it through shared memory instead.
 */
export function refreshProbeInThisThread(buffer: SharedArrayBuffer): boolean {
  const entry = (globalThis as WithProbe)[GLOBAL_KEY];
  if (entry === undefined || entry.probe.handle.buffer !== buffer) return false;
  entry.probe.refresh();
  return true;
}
