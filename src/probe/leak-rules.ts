/**
 * The leak verdict as a pure function of the heap left after full GCs. Thresholds are calibrated on
 * the corpus in test/leak-corpus.test.ts (docs/memory.md shows its confusion matrix).
 */

import { flatTail, formatRate, NO_LEAK_RESOLUTION_BYTES_PER_SECOND, resolves, secondsToResolve, type RuledOut } from './leak-resolution.js';

export type { RuledOut } from './leak-resolution.js';

export type LeakVerdictKind = 'leak' | 'no-leak' | 'insufficient-data';

/** The heap right after one full (mark-compact) GC: all that is still referenced, plus little else. */
export interface FullGcPoint {
  /** ms since epoch */
  time: number;
  heapAfter: number;
  oldGenerationAfter: number;
}

export interface LeakEvidence {
  /** Slope of the least-squares line through the full-GC floors, in bytes per second. */
  growthBytesPerSecond: number;
  /** R² of that line (0..1): how steady the growth is. */
  fit: number;
  /** Seconds of data the verdict rests on (from the window's start, or the probe's, to now). */
  windowSeconds: number;
  /** Full GCs in the window; those less than CLUSTER_SECONDS apart count once, at their lowest. */
  majorGcCount: number;
  /** Every GC the probe has seen (scavenges included), for scale. */
  gcCount: number;
  /** The floors judged: seconds before now, heap and old generation after each full GC. */
  floors: Array<{ secondsAgo: number; heapAfter: number; oldGenerationAfter: number }>;
  /** First and last floor, in bytes. */
  heapAfterGcStart: number;
  heapAfterGcEnd: number;
  /** GC events lost because nobody read them in time (the floors may miss some). */
  missedGcEvents: number;
}

export interface ConfirmationEvidence {
  intervalSeconds: number;
  heapAfterFirst: number;
  heapAfterSecond: number;
  growthBytes: number;
  /** What the two forced GCs cost: the main thread stood still this long, each time. */
  pauseMs: [number, number];
}

export interface LeakVerdict {
  verdict: LeakVerdictKind;
  /** For older clients: true only when `verdict` is "leak". */
  leakSuspected: boolean;
  reason: string;
  /** With "insufficient-data": about how long until the data can decide; absent when a slower leak cannot show within the window. */
  retryAfterSeconds?: number;
  evidence: LeakEvidence | null;
  confirmation?: ConfirmationEvidence;
  /**
   * With "no-leak", and with "insufficient-data" when the data bounds the growth: no leak faster than
   * this has run over that many seconds. "no-leak" is said only when the rate is down to
   * NO_LEAK_RESOLUTION_BYTES_PER_SECOND (leak-resolution.ts).
   */
  ruledOut?: RuledOut;
  /**
   * Two full GCs the endpoint forced itself because V8's own were too far apart to decide (see
   * shouldConfirmAutomatically); their floors are among `evidence.floors`.
   */
  automaticConfirmation?: ConfirmationEvidence;
}

export interface JudgeInput {
  points: FullGcPoint[];
  /** The old generation's used bytes after every GC in the window (scavenges too), oldest first. */
  oldGeneration?: Array<{ time: number; bytes: number }>;
  windowStart: number;
  now: number;
  /** How far back the verdict may look (leakWindowSeconds): a slower leak than this can show is said to need a wider window. */
  windowSeconds?: number;
  missedGcEvents: number;
  gcCount: number;
  confirmation?: { first: FullGcPoint; second: FullGcPoint; pauseMs: [number, number] } | undefined;
}

/** Full GCs closer than this are one event (V8 often finishes a cycle with a second, memory-reducing one). */
export const CLUSTER_SECONDS = 3;
/** Fewer floors than this cannot tell a leak from a cache that filled once. */
export const MIN_FLOORS = 3;
/**
 * ... nor from a start-up, or a cache filling, that lasted this long. The corpus's LRU fills in 20 s
 * from the probe's start; floors spanning 20 s could end exactly where it stops filling.
 */
export const MIN_SPAN_SECONDS = 25;
export const MIN_FIT = 0.8;
/** Growth along the fitted line over the floors' span: at least this much, and this share of the first floor. */
export const MIN_GROWTH_BYTES = 4 * 1024 * 1024;
export const MIN_RELATIVE_GROWTH = 0.1;
/** The recent stretch of floors (see judgeTrend) must rise by this much (and this share): the growth goes on now. */
export const MIN_LAST_STEP_BYTES = 1024 * 1024;
/**
 * What two forced full GCs 5 s apart must keep more to call a leak: a process churning 5 MB/s of garbage
 * was seen to keep 1.00 MiB more between them (what was in flight), while a 1 MB/s leak keeps 5 MB.
 */
export const MIN_CONFIRMED_GROWTH_BYTES = 3 * 1024 * 1024;
export const MIN_LAST_STEP_RELATIVE = 0.05;
/** ... and rise at least at this share of the fitted line's pace. */
export const MIN_STEP_RATE_OF_TREND = 0.5;

/**
 * V8 spaces its full GCs by the old generation's limit, which it sets to up to 4x the heap left by the
 * last one when the app allocates fast (its heap growing factor, from GC speed over allocation speed).
 * A fast leak therefore gets the fewest floors: a 3 MB/s leak had full GCs at 1, 7 and 40 s (and was
 * called at 65 s on a quiet machine), the next one due near 140 s, while a 1 MB/s leak, allocating
 * slower, got one every 10 s. Without a third floor nothing passive can tell such a leak from a cache
 * that filled once (the old generation between full GCs holds garbage too). So, when asked and still
 * undecided this long after the first floor, the endpoint takes two floors itself, 5 s apart.
 */
export const AUTO_CONFIRM_AFTER_SECONDS = MIN_SPAN_SECONDS;
/** At most one automatic pair this often: two full-GC pauses a minute at worst, while undecided. */
export const AUTO_CONFIRM_EVERY_SECONDS = 60;
/** Above this heap a forced full GC pauses too long to take unasked (about a second per GB). */
export const AUTO_CONFIRM_MAX_HEAP_BYTES = 256 * 1024 * 1024;

export interface AutoConfirmInput {
  verdict: LeakVerdict;
  windowStart: number;
  /** The first full GC in the window (ms since epoch), if any: the pair must come MIN_SPAN_SECONDS after it. */
  firstFloorAt: number | undefined;
  now: number;
  /** When the endpoint last forced a pair unasked (ms since epoch), if ever. */
  lastAutomaticAt: number | undefined;
  /** The heap now, or an upper bound of it (the old generation after the last GC, say). */
  heapBytes: number;
}

/**
 * Whether to force a pair of full GCs unasked: undecided for want of floors (a pair 5 s apart adds
 * nothing to floors that have been flat for a while, whose answer waits for time, not for GCs),
 * MIN_SPAN_SECONDS past the first floor (so the pair's step qualifies as growth that goes on), not too
 * often, and a heap small enough to pause briefly.
 */
export function shouldConfirmAutomatically(input: AutoConfirmInput): boolean {
  return (
    input.verdict.verdict === 'insufficient-data' &&
    !waitsForTimeOnly(input.verdict) &&
    input.now - Math.max(input.windowStart, input.firstFloorAt ?? input.windowStart) >= AUTO_CONFIRM_AFTER_SECONDS * 1000 &&
    (input.lastAutomaticAt === undefined || input.now - input.lastAutomaticAt >= AUTO_CONFIRM_EVERY_SECONDS * 1000) &&
    input.heapBytes <= AUTO_CONFIRM_MAX_HEAP_BYTES
  );
}

/** An undecided verdict whose floors (MIN_FLOORS over MIN_SPAN_SECONDS) are flat: only time can make its bound finer. */
function waitsForTimeOnly(verdict: LeakVerdict): boolean {
  const floors = verdict.evidence?.floors ?? [];
  return verdict.ruledOut !== undefined && floors.length >= MIN_FLOORS && floors[0]!.secondsAgo - floors.at(-1)!.secondsAgo >= MIN_SPAN_SECONDS;
}

export function judgeFullGcFloors(input: JudgeInput): LeakVerdict {
  const { now } = input;
  const span = (now - input.windowStart) / 1000;
  const points = [...input.points];
  let confirmation: ConfirmationEvidence | undefined;
  if (input.confirmation !== undefined) {
    const { first, second, pauseMs } = input.confirmation;
    points.push(first, second);
    confirmation = {
      intervalSeconds: round((second.time - first.time) / 1000, 1),
      heapAfterFirst: first.heapAfter,
      heapAfterSecond: second.heapAfter,
      growthBytes: second.heapAfter - first.heapAfter,
      pauseMs,
    };
  }
  const floors = clusterFloors(points);
  const base = { ...(confirmation ? { confirmation } : {}) };

  const bounded = floors.length < MIN_FLOORS && confirmation === undefined ? boundWithoutFullGcs(floors, input) : undefined;
  if (bounded !== undefined) {
    const ruledOut = { leaksFasterThanBytesPerSecond: Math.ceil(bounded.needed / bounded.seconds), seconds: Math.round(bounded.seconds) };
    const seen =
      `Too few full GCs to judge a trend (${floors.length}), but the old generation grew by at most ${formatMiB(bounded.growth)} ` +
      `in ${bounded.seconds.toFixed(0)} s, garbage included`;
    return {
      ...ruledOutAnswer(seen, ruledOut, bounded.needed, input),
      evidence: floors.length > 0 ? describe(floors, input, span) : null,
      ...base,
    };
  }

  if (floors.length === 0 || (floors.length < 2 && confirmation === undefined)) {
    return {
      verdict: 'insufficient-data',
      leakSuspected: false,
      reason:
        `${floors.length === 0 ? 'No full GC has run' : 'One full GC has run'} in the last ${span.toFixed(0)} s: ` +
        `only the heap left after full GCs shows what is kept, and at least ${MIN_FLOORS} are needed. ` +
        `V8 runs one when the old generation reaches its limit. Ask again later, or with confirm=1 (scope heap) to force two now.`,
      retryAfterSeconds: estimateWait(floors, input.windowStart, now),
      evidence: null,
      ...base,
    };
  }

  const evidence = describe(floors, input, span);
  const first = floors[0]!.heapAfter;
  const floorSpan = (floors.at(-1)!.time - floors[0]!.time) / 1000;

  // With a forced pair the interval is known and short: growth between its two floors is a leak even when
  // history is thin. Less growth rules out nothing slower than the pair can show: the floors decide then.
  if (confirmation !== undefined && floors.length < MIN_FLOORS + 2) {
    const rises = confirmation.growthBytes >= Math.max(MIN_CONFIRMED_GROWTH_BYTES, MIN_LAST_STEP_RELATIVE * confirmation.heapAfterFirst);
    if (rises) {
      return {
        verdict: 'leak',
        leakSuspected: true,
        reason: `Between two forced full GCs ${confirmation.intervalSeconds} s apart the heap kept ${formatMiB(confirmation.growthBytes)} more: memory is being retained now.`,
        evidence,
        ...base,
      };
    }
  }

  const trend = judgeTrend(floors);
  if (trend.kind === 'leak') {
    return {
      verdict: 'leak',
      leakSuspected: true,
      reason:
        `The heap left after full GCs grew steadily by ${formatMiB(trend.slope)}/s over ${floorSpan.toFixed(0)} s ` +
        `(${floors.length} full GCs, fit ${evidence.fit}), and was still growing over the last ${trend.recentSeconds.toFixed(0)} s.`,
      evidence,
      ...base,
    };
  }
  if (trend.kind === 'growth-began-early') {
    return {
      verdict: 'insufficient-data',
      leakSuspected: false,
      reason:
        `The heap left after full GCs grew by ${formatMiB(trend.growth)} over ${floorSpan.toFixed(0)} s, but no two full GCs since ` +
        `${MIN_SPAN_SECONDS} s after the first show it going on: the newest rise began ${trend.recentStartsAfterSeconds.toFixed(0)} s after it, ` +
        `within the ${MIN_SPAN_SECONDS} s a start-up or a cache fill may take. Ask again later, or with confirm=1 (scope heap).`,
      retryAfterSeconds: Math.max(5, Math.ceil(MIN_SPAN_SECONDS - trend.recentStartsAfterSeconds)),
      evidence,
      ...base,
    };
  }

  // Not a leak: say only what the floors rule out, from the newest run of them that has stopped growing.
  const tail = flatTail(floors, needed);
  if (tail === undefined) {
    return {
      verdict: 'insufficient-data',
      leakSuspected: false,
      reason:
        `The heap left after full GCs rose from ${formatMiB(first)} to ${formatMiB(floors.at(-1)!.heapAfter)} over ${floorSpan.toFixed(0)} s ` +
        `(${floors.length} full GCs), ${floors.length < MIN_FLOORS || floorSpan < MIN_SPAN_SECONDS ? `too few to tell a leak from a cache filling or a start-up: at least ${MIN_FLOORS} over ${MIN_SPAN_SECONDS} s are needed` : 'not steadily enough to call a leak'}, ` +
        `and was still rising at the newest one. Ask again later, or with confirm=1 (scope heap).`,
      retryAfterSeconds: estimateWait(floors, input.windowStart, now),
      evidence,
      ...base,
    };
  }
  const tailFloors = floors.length - tail.from;
  const seen =
    (tail.from > 0
      ? `The heap left after full GCs rose from ${formatMiB(first)} to ${formatMiB(floors[tail.from]!.heapAfter)} in the ${floors.length - tailFloors} full GCs before the newest ${tailFloors}; these, `
      : `The heap left after ${tailFloors} full GCs, `) +
    `over the last ${tail.seconds.toFixed(0)} s, changed by ${formatMiB(tail.growth)} along their trend`;
  if (tailFloors < MIN_FLOORS || tail.seconds < MIN_SPAN_SECONDS) {
    return { ...ruledOutAnswer(seen, tail.ruledOut, Number.POSITIVE_INFINITY, input), evidence, ...base };
  }
  return { ...ruledOutAnswer(seen, tail.ruledOut, needed(floors[tail.from]!.heapAfter), input, tail.from > 0), evidence, ...base };
}

/** What a leak must grow by from a floor of this size: enough to stand out of the floors' noise. */
function needed(firstHeap: number): number {
  return Math.max(MIN_GROWTH_BYTES, MIN_RELATIVE_GROWTH * firstHeap);
}

type Trend =
  | { kind: 'leak'; slope: number; recentSeconds: number }
  | { kind: 'growth-began-early'; growth: number; recentStartsAfterSeconds: number }
  | { kind: 'none' };

/**
 * A leak: at least MIN_FLOORS floors over MIN_SPAN_SECONDS, rising steadily along their least-squares
 * line by at least `needed`, and still rising now. "Now" is a stretch of time, never the newest pair of
 * floors: the endpoint's own full GCs (the end of `?seconds=`, the counts of `types=count`, the pairs it
 * forces) add floors seconds apart, between which a slow leak keeps less than any step threshold. The
 * recent stretch is the newest half of the floors' span (at least MIN_SPAN_SECONDS, from the floor just
 * before it), starting no sooner than MIN_SPAN_SECONDS after the first floor (before that, growth may be a start-up or a cache filling):
 * its own line must rise by MIN_LAST_STEP_BYTES (and MIN_LAST_STEP_RELATIVE) at no less than
 * MIN_STEP_RATE_OF_TREND of the whole line's pace, and the newest floor must stand near the highest.
 */
function judgeTrend(floors: FullGcPoint[]): Trend {
  if (floors.length < MIN_FLOORS) return { kind: 'none' };
  const t0 = floors[0]!.time;
  const floorSpan = (floors.at(-1)!.time - t0) / 1000;
  if (floorSpan < MIN_SPAN_SECONDS) return { kind: 'none' };
  const { slope, fit } = linearFit(
    floors.map((p) => p.time / 1000),
    floors.map((p) => p.heapAfter),
  );
  const growth = slope * floorSpan;
  if (!(slope > 0 && fit >= MIN_FIT && growth >= needed(floors[0]!.heapAfter))) return { kind: 'none' };
  const earliest = t0 + MIN_SPAN_SECONDS * 1000;
  const recentFrom = Math.max(earliest, floors.at(-1)!.time - Math.max(MIN_SPAN_SECONDS, floorSpan / 2) * 1000);
  // The stretch starts at the last floor before that point when there is one (V8's own floors may be a
  // minute apart in a slow leak), never before `earliest`.
  let anchor = -1;
  floors.forEach((p, index) => {
    if (p.time >= earliest && p.time <= recentFrom) anchor = index;
  });
  const recent = anchor >= 0 ? floors.slice(anchor) : floors.filter((p) => p.time >= recentFrom);
  if (recent.length < 2) {
    return { kind: 'growth-began-early', growth, recentStartsAfterSeconds: (floors.at(-2)!.time - t0) / 1000 };
  }
  const recentSeconds = (recent.at(-1)!.time - recent[0]!.time) / 1000;
  const recentSlope = linearFit(
    recent.map((p) => p.time / 1000),
    recent.map((p) => p.heapAfter),
  ).slope;
  const recentRise = recentSlope * recentSeconds;
  const highest = Math.max(...floors.map((p) => p.heapAfter));
  const goesOn =
    recentRise >= Math.max(MIN_LAST_STEP_BYTES, MIN_LAST_STEP_RELATIVE * recent[0]!.heapAfter) &&
    recentSlope >= MIN_STEP_RATE_OF_TREND * slope &&
    floors.at(-1)!.heapAfter >= highest - MIN_LAST_STEP_BYTES;
  return goesOn ? { kind: 'leak', slope, recentSeconds } : { kind: 'none' };
}

/**
 * The answer when the data shows no leak above some rate: `no-leak` only when that rate is as fine as
 * NO_LEAK_RESOLUTION_BYTES_PER_SECOND, otherwise `insufficient-data` saying what is ruled out and how much
 * longer a slower leak needs to show. `needed`: the growth the bound rests on (Infinity when the data is
 * too thin to ever say no-leak as it is: fewer than MIN_FLOORS floors).
 */
function ruledOutAnswer(seen: string, ruledOut: RuledOut, neededBytes: number, input: JudgeInput, stopped = false): Pick<LeakVerdict, 'verdict' | 'leakSuspected' | 'reason' | 'retryAfterSeconds' | 'ruledOut'> {
  const bound = `no growth above ${formatRate(ruledOut.leaksFasterThanBytesPerSecond)} in ${ruledOut.seconds} s`;
  if (Number.isFinite(neededBytes) && resolves(ruledOut)) {
    return {
      verdict: 'no-leak',
      leakSuspected: false,
      reason: `${seen}: ${bound}, no leak of ${formatRate(NO_LEAK_RESOLUTION_BYTES_PER_SECOND)} or more${stopped ? `; the growth stopped ${ruledOut.seconds} s ago (a cache that filled, a start-up that ended)` : ''}.`,
      ruledOut,
    };
  }
  const more = Number.isFinite(neededBytes) ? secondsToResolve(neededBytes, ruledOut.seconds) : undefined;
  const windowSeconds = input.windowSeconds ?? Number.POSITIVE_INFINITY;
  const fits = more !== undefined && ruledOut.seconds + more <= windowSeconds;
  return {
    verdict: 'insufficient-data',
    leakSuspected: false,
    reason:
      `${seen}: ${bound}. A slower leak ` +
      (more === undefined
        ? `needs at least ${MIN_FLOORS} full GCs over ${MIN_SPAN_SECONDS} s, and more time, to show.`
        : fits
          ? `needs ${more} s more to show.`
          : `cannot show within the ${windowSeconds} s the verdict looks back (leakWindowSeconds).`),
    ...(more === undefined ? { retryAfterSeconds: estimateWait([], input.windowStart, input.now) } : fits ? { retryAfterSeconds: Math.max(5, more) } : {}),
    ruledOut,
  };
}

/**
 * What survives must sit in the old generation (or the young one, which is small), and between full GCs
 * the old generation only grows, by what is kept and by promoted garbage alike. So its growth since the
 * last floor (or since the window began) bounds what can have been kept: when that bound is small over
 * MIN_SPAN_SECONDS or more, that bound says which leaks the data rules out, full GCs or not.
 */
function boundWithoutFullGcs(floors: FullGcPoint[], input: JudgeInput): { growth: number; seconds: number; needed: number } | undefined {
  const series = input.oldGeneration ?? [];
  if (series.length === 0) return undefined;
  const start = series[0]!;
  const first = floors[0];
  const highestFrom = (from: number, to = Infinity) =>
    Math.max(-Infinity, ...series.filter((p) => p.time >= from && p.time < to).map((p) => p.bytes));
  // Before the first full GC garbage only piles up, so the old generation's rise bounds what was kept;
  // from the first floor on, the highest old generation since bounds it again.
  const growth =
    first === undefined
      ? highestFrom(start.time) - start.bytes
      : Math.max(0, highestFrom(start.time, first.time) - start.bytes) + (highestFrom(first.time) - first.oldGenerationAfter);
  const seconds = (input.now - start.time) / 1000;
  const reference = first?.oldGenerationAfter ?? start.bytes;
  if (seconds < MIN_SPAN_SECONDS || !Number.isFinite(growth)) return undefined;
  return growth < needed(reference) ? { growth: Math.max(0, growth), seconds, needed: needed(reference) } : undefined;
}

/** Full GCs sorted by time, those within CLUSTER_SECONDS of the previous merged into one at their lowest. */
export function clusterFloors(points: readonly FullGcPoint[]): FullGcPoint[] {
  const sorted = [...points].sort((a, b) => a.time - b.time);
  const floors: FullGcPoint[] = [];
  for (const point of sorted) {
    const last = floors.at(-1);
    if (last !== undefined && point.time - last.time < CLUSTER_SECONDS * 1000) {
      if (point.heapAfter < last.heapAfter) floors[floors.length - 1] = { ...point, time: last.time };
    } else {
      floors.push(point);
    }
  }
  return floors;
}

/**
 * Seconds until about enough full GCs will have run: V8 spaces them further apart as the heap grows,
 * so the wait is at least as long as the time the last floors took, and at least what the span needs.
 */
function estimateWait(floors: FullGcPoint[], windowStart: number, now: number): number {
  const missing = Math.max(1, MIN_FLOORS - floors.length);
  const times = [windowStart, ...floors.map((p) => p.time)];
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const typicalGap = Math.max(...gaps, now - (floors.at(-1)?.time ?? windowStart), 10_000);
  const spanWait = floors.length > 0 ? MIN_SPAN_SECONDS * 1000 - (now - floors[0]!.time) : 0;
  return Math.ceil(Math.max(missing * typicalGap - (now - (floors.at(-1)?.time ?? windowStart)), spanWait, 5_000) / 1000);
}

function describe(floors: FullGcPoint[], input: JudgeInput, span: number): LeakEvidence {
  const { slope, fit } = linearFit(
    floors.map((p) => p.time / 1000),
    floors.map((p) => p.heapAfter),
  );
  return {
    growthBytesPerSecond: Math.round(slope),
    fit: round(fit, 3),
    windowSeconds: Math.round(span),
    majorGcCount: floors.length,
    gcCount: input.gcCount,
    floors: floors.map((p) => ({ secondsAgo: round((input.now - p.time) / 1000, 1), heapAfter: p.heapAfter, oldGenerationAfter: p.oldGenerationAfter })),
    heapAfterGcStart: floors[0]!.heapAfter,
    heapAfterGcEnd: floors.at(-1)!.heapAfter,
    missedGcEvents: input.missedGcEvents,
  };
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

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}
