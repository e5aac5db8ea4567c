import type { ProbeHandle } from './main-thread-probe.js';
import { F, GC_FIELDS, GC_KINDS, GC_RING_CAPACITY, GC_RING_OFFSET, SPACE_FIELDS, type GcKind } from './probe-layout.js';

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
}

export interface GcEvent {
  time: number;
  kind: GcKind;
  seconds: number;
  heapBefore: number;
  heapAfter: number;
}

const MAX_READ_ATTEMPTS = 1000;

/** Reads the probe's figures from any thread, consistently, without ever waiting on the main thread. */
export class ProbeReader {
  readonly #f64: Float64Array;
  readonly #seq: Int32Array;
  readonly #spaceNames: string[];

  constructor(handle: ProbeHandle) {
    this.#f64 = new Float64Array(handle.buffer);
    this.#seq = new Int32Array(handle.buffer, 0, 2);
    this.#spaceNames = handle.spaceNames;
  }

  figures(): ProbeFigures {
    return this.#consistent(() => {
      const f = this.#f64;
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
          min: f[F.eldMin]!,
          max: f[F.eldMax]!,
          mean: f[F.eldMean]!,
          stddev: f[F.eldStddev]!,
          p50: f[F.eldP50]!,
          p90: f[F.eldP90]!,
          p99: f[F.eldP99]!,
          windowSeconds: f[F.eldWindowSeconds]!,
        },
        eventLoopUtilization: f[F.elu]!,
        lastTickLagSeconds: f[F.lastTickLagSeconds]!,
        gc,
        spaces,
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
        events.push({ time: f[at]!, kind: GC_KINDS[f[at + 1]!]!, seconds: f[at + 2]!, heapBefore: f[at + 3]!, heapAfter: f[at + 4]! });
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
      const before = Atomics.load(this.#seq, 0);
      value = read();
      if (before % 2 === 0 && Atomics.load(this.#seq, 0) === before) return value;
    }
    return value!;
  }
}
