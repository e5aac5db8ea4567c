import type { GcEvent, ProbeReader } from './probe-reader.js';

export interface LeakVerdictOptions {
  /** How far back the verdict looks, in seconds. */
  windowSeconds: number;
}

export interface LeakEvidence {
  /** Slope of the post-GC heap's lower envelope, in bytes per second. */
  growthBytesPerSecond: number;
  /** Coefficient of determination of that trend (0..1): how steady the growth is. */
  fit: number;
  /** Seconds of data the verdict rests on. */
  windowSeconds: number;
  gcCount: number;
  majorGcCount: number;
  /** Lowest post-GC heap at the start and at the end of the window, in bytes. */
  heapAfterGcStart: number;
  heapAfterGcEnd: number;
  /** How many GC events were lost because nobody read them in time (the window is then less exact). */
  missedGcEvents: number;
}

export interface LeakVerdict {
  /** true / false, or the plain string "insufficient data". */
  leakSuspected: boolean | 'insufficient data';
  reason: string;
  evidence: LeakEvidence | null;
}

/** Buckets over the window: the trend is fitted to the lowest post-GC heap in each. */
const BUCKETS = 10;
const MIN_SPAN_SECONDS = 10;
const MIN_BUCKETS_WITH_DATA = 5;
const MIN_FIT = 0.8;
const MIN_GROWTH_BYTES = 8 * 1024 * 1024;
const MIN_RELATIVE_GROWTH = 0.1;
/** Most post-GC points kept: the oldest go first. */
const MAX_POINTS = 20_000;

/**
 * Judges from the heap size right after each GC, the only moment the heap holds no collectable garbage
 * of that generation. Young-generation GCs leave promoted garbage behind, so the trend is fitted to the
 * lower envelope (the least post-GC heap in each tenth of the window): a sawtooth that major GCs bring
 * back down is not growth, while memory that no GC can free raises every bucket's floor.
 */
export class LeakDetector {
  readonly #reader: ProbeReader;
  readonly #points: GcEvent[] = [];
  #missed = 0;

  constructor(reader: ProbeReader) {
    this.#reader = reader;
  }

  /** Takes GC events from the probe feed; `missed` counts events the ring lost before they were read. */
  add(events: readonly GcEvent[], missed: number): void {
    this.#missed += missed;
    this.#points.push(...events);
    if (this.#points.length > MAX_POINTS) this.#points.splice(0, this.#points.length - MAX_POINTS);
  }

  verdict(options: LeakVerdictOptions, now = Date.now()): LeakVerdict {
    const figures = this.#reader.figures();
    const windowStart = Math.max(now - options.windowSeconds * 1000, figures.startedAt);
    const span = (now - windowStart) / 1000;
    const points = this.#points.filter((point) => point.time >= windowStart);
    if (span < MIN_SPAN_SECONDS) {
      return { leakSuspected: 'insufficient data', reason: `The probe has watched for ${span.toFixed(1)} s; at least ${MIN_SPAN_SECONDS} s are needed.`, evidence: null };
    }
    if (points.length === 0) {
      return {
        leakSuspected: false,
        reason: `No garbage collection in the last ${span.toFixed(0)} s: the process allocated less than its young generation holds, so its heap cannot have grown much.`,
        evidence: null,
      };
    }
    const bucketMs = (now - windowStart) / BUCKETS;
    const floors = new Map<number, { time: number; heap: number }>();
    for (const point of points) {
      const bucket = Math.min(BUCKETS - 1, Math.floor((point.time - windowStart) / bucketMs));
      const floor = floors.get(bucket);
      if (floor === undefined || point.heapAfter < floor.heap) floors.set(bucket, { time: point.time, heap: point.heapAfter });
    }
    if (floors.size < MIN_BUCKETS_WITH_DATA) {
      return {
        leakSuspected: 'insufficient data',
        reason: `GCs fell in only ${floors.size} of ${BUCKETS} parts of the window; at least ${MIN_BUCKETS_WITH_DATA} are needed for a trend.`,
        evidence: null,
      };
    }
    const series = [...floors.entries()].sort(([a], [b]) => a - b).map(([, floor]) => floor);
    const { slope, fit } = linearFit(series.map((p) => p.time / 1000), series.map((p) => p.heap));
    const first = series[0]!.heap;
    const last = series.at(-1)!.heap;
    const growth = slope * span;
    const evidence: LeakEvidence = {
      growthBytesPerSecond: Math.round(slope),
      fit: Math.round(fit * 1000) / 1000,
      windowSeconds: Math.round(span),
      gcCount: points.length,
      majorGcCount: points.filter((point) => point.kind === 'major').length,
      heapAfterGcStart: first,
      heapAfterGcEnd: last,
      missedGcEvents: this.#missed,
    };
    const steady = fit >= MIN_FIT;
    const large = growth >= MIN_GROWTH_BYTES && growth >= MIN_RELATIVE_GROWTH * first;
    if (slope > 0 && steady && large) {
      return {
        leakSuspected: true,
        reason:
          `The heap left after GC grew steadily by ${formatMiB(slope)}/s over ${span.toFixed(0)} s.` +
          (evidence.majorGcCount === 0 ? ' No major GC ran in the window: POST /gc and ask again to rule out garbage not yet collected.' : ''),
        evidence,
      };
    }
    return {
      leakSuspected: false,
      reason: !large
        ? `The heap left after GC changed by ${formatMiB(growth)} over ${span.toFixed(0)} s: no significant growth.`
        : `The heap left after GC moved by ${formatMiB(growth)}, but not steadily (fit ${evidence.fit}): GCs bring it back down.`,
      evidence,
    };
  }
}

/** Least-squares line through (x, y): its slope and R². */
export function linearFit(xs: number[], ys: number[]): { slope: number; fit: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const fit = sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slope, fit };
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}
