import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type IntervalHistogram, type PerformanceEntry, type PerformanceObserverEntryList } from 'node:perf_hooks';
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
import { mainThreadEvalStopCell } from './eval-stop-cell.js';

/** What a reader needs to attach to the probe from any thread. Plain data: it crosses into a worker. */
export interface ProbeHandle {
  buffer: SharedArrayBuffer;
  spaceNames: string[];
  /** The main thread's stop cell for evaluations (eval-stop-cell.ts). */
  evalStop: SharedArrayBuffer;
}

const TICK_MS = 1000;
const WARM_UP_CALLS = 10;
/** Event-loop delay percentiles describe this window; the histogram restarts after it. */
const ELD_WINDOW_MS = 10_000;

/** The gc observer's kinds (perf_hooks constants) mapped to prom-client's kinds. */
const KIND_OF = new Map<number, GcKind>([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

/** The young generation's spaces: everything else is the old generation. */
const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);

/** Atomics.waitAsync (ES2024) is in every Node this package supports, not in the compiler's ES2022 lib. */
interface AtomicsWithWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

/** The probe's own running state, in a typed array so that updating it never allocates. */
const S = { delayResetAt: 0, eluIdleMs: 1, eluAt: 2, timeOrigin: 3 } as const;

/** What the probe reads of a gc PerformanceEntry. */
type GcEntry = Pick<PerformanceEntry, 'duration' | 'startTime'> & { detail?: { kind?: number } | null };

const NO_GCS: GcEntry[] = [];

/**
 * A light probe on the main thread. It must not disturb what it measures: it runs in the app's heap, and
 * what it allocates shows in the app's own heap profiles. So a tick only stamps a heartbeat, figures are
 * read only when someone reads them, and the code avoids objects and double arithmetic (each double an
 * interpreted function computes is a 16-byte heap number): raw values go into shared memory and the
 * reader, on its own thread, converts them.
 * - GCs: a `gc` PerformanceObserver reports them in batches; each goes into a ring with its kind,
 *   duration, end time, and the heap and old generation read once per batch. The cost follows the GC
 *   count, which follows the app's own allocation.
 * - Figures (heap, external memory, event-loop delay and utilization; spaces and contexts when a reader
 *   wants the full set): refreshed when a reader asks (it bumps a wake counter the main thread awaits
 *   with Atomics.waitAsync), and only then.
 * Nothing here may throw into the app: a figure that cannot be read marks the probe `degraded`.
 */
class MainThreadProbe {
  readonly handle: ProbeHandle;
  readonly #f64: Float64Array;
  readonly #i32: Int32Array;
  readonly #timer: NodeJS.Timeout;
  readonly #delay: IntervalHistogram;
  readonly #gcObserver: PerformanceObserver;
  readonly #state = new Float64Array(4);
  #stopped = false;

  constructor() {
    const buffer = createProbeBuffer();
    this.#f64 = new Float64Array(buffer);
    this.#i32 = new Int32Array(buffer, 0, 2);
    const spaceNames = getHeapSpaceStatistics()
      .slice(0, MAX_SPACES)
      .map((space) => space.space_name);
    this.handle = { buffer, spaceNames, evalStop: mainThreadEvalStopCell() };
    this.#delay = monitorEventLoopDelay({ resolution: 10 });
    this.#delay.enable();
    this.#gcObserver = new PerformanceObserver(this.#onGc);
    this.#gcObserver.observe({ entryTypes: ['gc'] });
    this.#state[S.delayResetAt] = Date.now();
    this.#state[S.eluAt] = Date.now();
    this.#state[S.eluIdleMs] = performance.nodeTiming.idleTime;
    this.#state[S.timeOrigin] = performance.timeOrigin;
    this.#write(this.#writeConstants);
    this.#f64[F.heartbeatAt] = Date.now();
    this.#f64[F.fullRequestedAt] = Date.now();
    // V8 gives a function its feedback vector on its 8th call: pay that now, not in the app's profiles.
    for (let warm = 0; warm < WARM_UP_CALLS; warm++) {
      this.#refresh();
      this.#write(this.#writeLiveFigures);
      this.#tick();
    }
    this.#warmUpGcPath();
    this.#awaitWake();
    this.#timer = setInterval(this.#tick, TICK_MS).unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#delay.disable();
    this.#gcObserver.disconnect();
    // A pending Atomics.waitAsync holds no handle open; waking it lets it see #stopped and end.
    Atomics.add(this.#i32, WAKE_INT32, 1);
    Atomics.notify(this.#i32, WAKE_INT32);
  }

  /** Publishes fresh figures now (on the main thread: router mode reads them in place). */
  refresh(full: boolean): void {
    if (full) this.#f64[F.fullRequestedAt] = Date.now();
    this.#refresh();
  }

  /**
   * Called soon after GCs, in batches. The heap is read once per batch, right then: what survived the
   * batch's last GC plus what was allocated since (little, so soon). v8.GCProfiler would give each GC's
   * exact before and after, but its records cost 7-10 KB of the app's heap per GC; this costs one
   * space read (about 2 KB) per batch, beside the entries Node makes for any gc observer.
   */
  readonly #onGc = (list: PerformanceObserverEntryList): void => {
    if (this.#stopped) return;
    try {
      this.#pendingGcs = list.getEntries() as GcEntry[];
      this.#write(this.#appendPendingGcs);
    } catch {
      this.#f64[F.degraded] = 2;
    }
  };

  readonly #tick = (): void => {
    try {
      // One clock read (its heap number is the tick's only allocation); the gap is a small integer.
      const f = this.#f64;
      const now = Date.now();
      f[F.lastTickGapMs] = now - f[F.heartbeatAt]!;
      f[F.heartbeatAt] = now;
      // A live view is served from here rather than by waking the probe for each read: a wake costs a
      // promise and its result object, a tick nothing more. Counts, not times: no heap numbers.
      const requests = f[F.liveRequests]!;
      if (requests !== f[F.liveServed]) {
        f[F.liveServed] = requests;
        this.#write(this.#writeLiveFigures);
      }
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

  #pendingGcs = NO_GCS;

  readonly #appendPendingGcs = (): void => {
    // An index, not for-of: an interpreted for-of allocates an iterator.
    const gcs = this.#pendingGcs;
    const spaces = getHeapSpaceStatistics();
    let heapUsed = 0;
    let oldGenerationUsed = 0;
    for (let index = 0; index < spaces.length; index++) {
      const space = spaces[index]!;
      heapUsed += space.space_used_size;
      if (!YOUNG_SPACES.has(space.space_name)) oldGenerationUsed += space.space_used_size;
    }
    for (let index = 0; index < gcs.length; index++) this.#appendGc(gcs[index]!, heapUsed, oldGenerationUsed);
    this.#pendingGcs = NO_GCS;
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

  /**
   * What every refresh reads: the heap's size, external memory, event-loop delay and utilization. The
   * rest (spaces, contexts, malloced memory, active resources: about 3 KB of objects per read) only when
   * a reader asked for it since the last time.
   */
  readonly #writeFigures = (): void => {
    this.#writeLiveFigures();
    const f = this.#f64;
    if (f[F.fullRequestedAt]! > f[F.fullUpdatedAt]!) this.#writeFullFigures();
  };

  /**
   * What the live view charts: heap, external memory, event-loop delay and utilization; about 460 bytes
   * of the app's heap per refresh, process.memoryUsage()'s result the most of it.
   */
  readonly #writeLiveFigures = (): void => {
    const f = this.#f64;
    try {
      // Reads /proc for rss, so it throws EMFILE when the process is out of descriptors.
      const memory = process.memoryUsage();
      f[F.heapUsed] = memory.heapUsed;
      f[F.heapTotal] = memory.heapTotal;
      f[F.external] = memory.external;
      f[F.arrayBuffers] = memory.arrayBuffers;
      if (f[F.degraded] === 1) f[F.degraded] = 0;
    } catch {
      f[F.degraded] = 1;
    }
    this.#writeUtilization();
    this.#writeDelay();
  };

  #writeFullFigures(): void {
    const f = this.#f64;
    const heap = getHeapStatistics();
    f[F.heapUsed] = heap.used_heap_size;
    f[F.heapTotal] = heap.total_heap_size;
    f[F.heapLimit] = heap.heap_size_limit;
    f[F.mallocedMemory] = heap.malloced_memory;
    f[F.nativeContexts] = heap.number_of_native_contexts;
    f[F.detachedContexts] = heap.number_of_detached_contexts;
    f[F.activeResources] = process.getActiveResourcesInfo().length;
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
    f[F.fullUpdatedAt] = Date.now();
  }

  /** Utilization since the last refresh, from the loop's idle time: what eventLoopUtilization() computes, without its objects. */
  #writeUtilization(): void {
    const state = this.#state;
    const now = Date.now();
    const idle = performance.nodeTiming.idleTime;
    const elapsed = now - state[S.eluAt]!;
    if (elapsed > 0) this.#f64[F.elu] = Math.min(1, Math.max(0, 1 - (idle - state[S.eluIdleMs]!) / elapsed));
    state[S.eluAt] = now;
    state[S.eluIdleMs] = idle;
  }

  /**
   * The histogram's figures as it keeps them, in nanoseconds; an empty one publishes zeros. Every field,
   * on every write (live or full), from one state and before the window's reset: a reader never sees one
   * window's or moment's percentiles beside another's (p90 above p99, zeros beside the old p50).
   * percentile() costs 64 bytes a call (its argument check), the getters nothing.
   */
  #writeDelay(): void {
    const f = this.#f64;
    const h = this.#delay;
    if (h.count > 0) {
      f[F.eldMax] = h.max;
      f[F.eldMin] = h.min;
      f[F.eldMean] = h.mean;
      f[F.eldStddev] = h.stddev;
      f[F.eldP50] = h.percentile(50);
      f[F.eldP90] = h.percentile(90);
      f[F.eldP99] = h.percentile(99);
    } else {
      f[F.eldMax] = f[F.eldMin] = f[F.eldMean] = f[F.eldStddev] = f[F.eldP50] = f[F.eldP90] = f[F.eldP99] = 0;
    }
    // One clock read stamps the window and the refresh (reusing a number allocates nothing more).
    const now = Date.now();
    f[F.updatedAt] = now;
    f[F.eldWindowMs] = now - this.#state[S.delayResetAt]!;
    if (f[F.eldWindowMs]! >= ELD_WINDOW_MS) {
      h.reset();
      this.#state[S.delayResetAt] = now;
    }
  }

  #appendGc(gc: GcEntry, heapUsed: number, oldGenerationUsed: number): void {
    // Each of a PerformanceEntry's getters checks its receiver through a wrapper that allocates: read each once.
    const kind = KIND_OF.get(gc.detail?.kind ?? -1);
    if (kind === undefined) return;
    const duration = gc.duration;
    const f = this.#f64;
    const code = GC_KINDS.indexOf(kind);
    const seconds = duration / 1000;
    f[F.gcTotals + code * 2] = f[F.gcTotals + code * 2]! + 1;
    f[F.gcTotals + code * 2 + 1] = f[F.gcTotals + code * 2 + 1]! + seconds;
    const written = f[F.gcWritten]!;
    const at = GC_RING_OFFSET + (written % GC_RING_CAPACITY) * GC_FIELDS;
    f[at] = this.#state[S.timeOrigin]! + gc.startTime + duration;
    f[at + 1] = code;
    f[at + 2] = seconds;
    f[at + 3] = 0; // the heap before is not known from the gc observer; nothing reads it
    f[at + 4] = heapUsed;
    f[at + 5] = oldGenerationUsed;
    f[F.gcWritten] = written + 1;
  }

  /**
   * Runs the GC path as a GC would, so that its bytecode and feedback are allocated now rather than at
   * the app's first GCs, in its profiles; then wipes what it wrote (nobody reads the probe yet).
   */
  #warmUpGcPath(): void {
    const warmUp: GcEntry[] = [{ detail: { kind: constants.NODE_PERFORMANCE_GC_MINOR }, duration: 0, startTime: 0 }];
    for (let warm = 0; warm < WARM_UP_CALLS; warm++) {
      this.#pendingGcs = warmUp;
      this.#write(this.#appendPendingGcs);
    }
    this.#f64.fill(0, F.gcWritten, F.gcTotals + GC_KINDS.length * 2);
    this.#f64.fill(0, GC_RING_OFFSET, GC_RING_OFFSET + WARM_UP_CALLS * GC_FIELDS);
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
export function refreshProbeInThisThread(buffer: SharedArrayBuffer, full: boolean): boolean {
  const entry = (globalThis as WithProbe)[GLOBAL_KEY];
  if (entry === undefined || entry.probe.handle.buffer !== buffer) return false;
  entry.probe.refresh(full);
  return true;
}
