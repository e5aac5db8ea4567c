import { refreshProbeInThisThread, type ProbeHandle } from './main-thread-probe.js';
import { DEGRADED_REASONS, F, GC_FIELDS, GC_KINDS, GC_RING_CAPACITY, GC_RING_OFFSET, SEQ_INT32, SPACE_FIELDS, WAKE_INT32, type GcKind } from './probe-layout.js';

export interface HeapSpaceFigures {
  name: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
  physicalBytes: number;
}

export interface ProbeFigures {
  startedAt: number;
  updatedAt: number;
  intervalMs: number;
  heapUsed: number;
  heapTotal: number;
  heapLimit: number;
  external: number;
  arrayBuffers: number;
  mallocedMemory: number;
  nativeContexts: number;
  detachedContexts: number;
  activeResources: number;
  eventLoopDelay: { min: number; max: number; mean: number; stddev: number; p50: number; p90: number; p99: number; windowSeconds: number };
  eventLoopUtilization: number;
  lastTickLagSeconds: number;
  gc: Record<GcKind, { count: number; seconds: number }>;
  spaces: HeapSpaceFigures[];
  /** null, or why some figures could not be read at the last refresh (the probe went on without them). */
  degraded: string | null;
  /** The probe's last tick: the main thread ran its timers then, whatever the figures' age. */
  heartbeatAt: number;
}

export interface GcEvent {
  time: number;
  kind: GcKind;
  seconds: number;
  heapBefore: number;
  heapAfter: number;
  /** The old generation's used bytes after this GC (the heap but its young generation). */
  oldGenerationAfter: number;
}

const MAX_READ_ATTEMPTS = 1000;
/** How long a reader off the main thread waits for the probe to answer a wake: it is then busy, not idle. */
const WAKE_WAIT_MS = 100;

/** Reads the probe's figures from any thread, consistently, without ever waiting on the main thread. */
export class ProbeReader {
  readonly #f64: Float64Array;
  readonly #seq: Int32Array;
  readonly #buffer: SharedArrayBuffer;
  readonly #spaceNames: string[];

  constructor(handle: ProbeHandle) {
    this.#buffer = handle.buffer;
    this.#f64 = new Float64Array(handle.buffer);
    this.#seq = new Int32Array(handle.buffer, 0, 2);
    this.#spaceNames = handle.spaceNames;
  }

  /** When the probe started (ms since epoch); reading it asks nothing of the main thread. */
  startedAt(): number {
    return this.#f64[F.startedAt]!;
  }

  /**
   * The probe's figures, fresh: they are refreshed on demand, so a read asks the main thread for new
   * ones and (off the main thread, while the main thread is alive) waits briefly for them. A blocked or
   * busy main thread leaves the last figures, whose `updatedAt` says how old they are.
   * `detail: 'live'` is for a live view: heap size, external memory, event-loop delay and utilization
   * as of the probe's last tick, the rest (spaces, contexts, heap limit) as of the last full read; it
   * asks the next tick to refresh them, which costs the app's heap about 400 bytes, where a wake costs a
   * promise more and a full read about 3 KB. `'as-is'` asks for nothing: the figures as last published.
   */
  figures(detail: 'full' | 'live' | 'as-is' = 'full'): ProbeFigures {
    if (detail !== 'as-is') this.#requestFresh(detail === 'full');
    return this.#read();
  }

  #requestFresh(full: boolean): void {
    const f = this.#f64;
    const now = Date.now();
    const interval = f[F.intervalMs]! || 1000;
    if (!full) {
      // Router mode reads in place; otherwise the probe's next tick serves it: no wake.
      if (refreshProbeInThisThread(this.#buffer, false)) return;
      f[F.liveRequests] = f[F.liveServed]! + 1;
      return;
    }
    if (now - f[F.fullUpdatedAt]! < interval) return;
    f[F.fullRequestedAt] = now;
    if (refreshProbeInThisThread(this.#buffer, true)) return;
    Atomics.add(this.#seq, WAKE_INT32, 1);
    Atomics.notify(this.#seq, WAKE_INT32);
    if (now - f[F.heartbeatAt]! > 2.5 * interval) return; // blocked: do not wait for it
    const deadline = now + WAKE_WAIT_MS;
    for (let left = WAKE_WAIT_MS; left > 0 && f[F.fullUpdatedAt]! < now; left = deadline - Date.now()) {
      const seq = Atomics.load(this.#seq, SEQ_INT32);
      try {
        Atomics.wait(this.#seq, SEQ_INT32, seq, left);
      } catch {
        return; // a thread that may not block (a browser-like main thread): take what is there
      }
    }
  }

  #read(): ProbeFigures {
    return this.#consistent(() => {
      const f = this.#f64;
      const hasDelay = f[F.eldMax]! > 0;
      const seconds = (nanoseconds: number): number => (hasDelay && Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : 0);
      const gc = Object.fromEntries(
        GC_KINDS.map((kind, code) => [kind, { count: f[F.gcTotals + code * 2]!, seconds: f[F.gcTotals + code * 2 + 1]! }]),
      ) as ProbeFigures['gc'];
      const spaces = this.#spaceNames.map((name, index) => {
        const at = F.spaces + index * SPACE_FIELDS;
        return { name, sizeBytes: f[at]!, usedBytes: f[at + 1]!, availableBytes: f[at + 2]!, physicalBytes: f[at + 3]! };
      });
      return {
        startedAt: f[F.startedAt]!,
        updatedAt: f[F.updatedAt]!,
        intervalMs: f[F.intervalMs]!,
        heapUsed: f[F.heapUsed]!,
        heapTotal: f[F.heapTotal]!,
        heapLimit: f[F.heapLimit]!,
        external: f[F.external]!,
        arrayBuffers: f[F.arrayBuffers]!,
        mallocedMemory: f[F.mallocedMemory]!,
        nativeContexts: f[F.nativeContexts]!,
        detachedContexts: f[F.detachedContexts]!,
        activeResources: f[F.activeResources]!,
        eventLoopDelay: {
          min: seconds(f[F.eldMin]!),
          max: seconds(f[F.eldMax]!),
          mean: seconds(f[F.eldMean]!),
          stddev: seconds(f[F.eldStddev]!),
          p50: seconds(f[F.eldP50]!),
          p90: seconds(f[F.eldP90]!),
          p99: seconds(f[F.eldP99]!),
          windowSeconds: f[F.eldWindowMs]! / 1000,
        },
        eventLoopUtilization: f[F.elu]!,
        lastTickLagSeconds: f[F.lastTickGapMs]! > 0 ? Math.max(0, f[F.lastTickGapMs]! - f[F.intervalMs]!) / 1000 : 0,
        gc,
        spaces,
        degraded: DEGRADED_REASONS[f[F.degraded]!] ?? null,
        heartbeatAt: f[F.heartbeatAt]!,
      };
    });
  }

  /**
   * GC events written since `cursor` (a count of events, starting at 0), and the new cursor. Events
   * older than the ring's capacity are gone; `missed` says how many.
   */
  gcEventsSince(cursor: number): { events: GcEvent[]; cursor: number; missed: number } {
    return this.#consistent(() => {
      const f = this.#f64;
      const written = f[F.gcWritten]!;
      const from = Math.max(cursor, written - GC_RING_CAPACITY);
      const events: GcEvent[] = [];
      for (let i = from; i < written; i++) {
        const at = GC_RING_OFFSET + (i % GC_RING_CAPACITY) * GC_FIELDS;
        events.push({
          time: f[at]!,
          kind: GC_KINDS[f[at + 1]!]!,
          seconds: f[at + 2]!,
          heapBefore: f[at + 3]!,
          heapAfter: f[at + 4]!,
          oldGenerationAfter: f[at + 5]!,
        });
      }
      return { events, cursor: written, missed: from - cursor };
    });
  }

  /**
   * Retries until a read saw no write. The bound matters: an inspector command (a heap snapshot, say)
   * can interrupt the main thread in the middle of a write and hold it there for seconds; after the
   * bound the last read is returned as it is rather than stall this thread.
   */
  #consistent<T>(read: () => T): T {
    let value: T | undefined;
    for (let attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
      const before = Atomics.load(this.#seq, SEQ_INT32);
      value = read();
      if (before % 2 === 0 && Atomics.load(this.#seq, SEQ_INT32) === before) return value;
    }
    return value!;
  }
}
