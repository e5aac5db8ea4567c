/**
 * What a stretch of full-GC floors rules out. A leak of rate r keeps r × T over T seconds; the verdict
 * calls growth a leak only from `needed` bytes on, so floors that grew less than that over T seconds rule
 * out leaks faster than needed / T, and say nothing about slower ones. `no-leak` is said only once that
 * bound reaches NO_LEAK_RESOLUTION_BYTES_PER_SECOND; until then the answer states the bound instead.
 */

/**
 * The slowest leak a `no-leak` answer rules out (10 KiB/s: 35 MiB an hour). With the 4 MiB of growth a
 * leak must show, floors must have been flat for about 7 minutes (longer on heaps above 40 MiB, whose
 * growth must also reach 10%) before the verdict says `no-leak`.
 */
export const NO_LEAK_RESOLUTION_BYTES_PER_SECOND = 10 * 1024;

export interface Floor {
  /** ms since epoch */
  time: number;
  heapAfter: number;
}

/** The leaks a stretch of data rules out: none faster than `leaksFasterThanBytesPerSecond`, seen over `seconds`. */
export interface RuledOut {
  leaksFasterThanBytesPerSecond: number;
  seconds: number;
}

export interface FlatTail {
  /** Index of the stretch's first floor: the stretch runs from there to the newest floor. */
  from: number;
  seconds: number;
  /** Growth along the least-squares line through the stretch. */
  growth: number;
  ruledOut: RuledOut;
}

/**
 * The longest run of newest floors (two or more) that neither grew along their least-squares line nor
 * spread (highest less lowest) by what a leak must show (`needed`, from the run's first floor): how long
 * the floors have really stopped growing. The spread keeps a step (a cache that filled) out of the run
 * even where a long flat line after it would dilute its slope. Undefined when even the two newest rose that much. One pass from the newest floor back, with
 * running sums.
 */
export function flatTail(floors: readonly Floor[], needed: (firstHeap: number) => number): FlatTail | undefined {
  const n = floors.length;
  if (n < 2) return undefined;
  const t0 = floors[n - 1]!.time / 1000;
  let count = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  let found: FlatTail | undefined;
  for (let k = n - 1; k >= 0; k--) {
    const x = floors[k]!.time / 1000 - t0;
    const y = floors[k]!.heapAfter;
    count++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    lowest = Math.min(lowest, y);
    highest = Math.max(highest, y);
    if (count < 2) continue;
    const seconds = (floors[n - 1]!.time - floors[k]!.time) / 1000;
    const varianceX = sxx - (sx * sx) / count;
    const slope = varianceX <= 0 ? 0 : (sxy - (sx * sy) / count) / varianceX;
    const growth = slope * seconds;
    const limit = needed(floors[k]!.heapAfter);
    if (growth >= limit || highest - lowest >= limit) break;
    if (seconds > 0) found = { from: k, seconds, growth, ruledOut: { leaksFasterThanBytesPerSecond: Math.ceil(limit / seconds), seconds: Math.round(seconds) } };
  }
  return found;
}

/** Seconds of flat data still needed before `needed` bytes over them reach the no-leak resolution. */
export function secondsToResolve(needed: number, seconds: number): number {
  return Math.max(0, Math.ceil(needed / NO_LEAK_RESOLUTION_BYTES_PER_SECOND - seconds));
}

export function resolves(ruledOut: RuledOut): boolean {
  return ruledOut.leaksFasterThanBytesPerSecond <= NO_LEAK_RESOLUTION_BYTES_PER_SECOND;
}

export function formatRate(bytesPerSecond: number): string {
  return `${((bytesPerSecond * 60) / (1024 * 1024)).toFixed(2)} MiB/min`;
}
