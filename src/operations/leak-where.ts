import type { CdpTarget } from '../targets/target.js';
import { type AllocationSite, findLeakSites } from './leak-sites.js';
import { type TypeGrowth, growingTypes, takeObjectCensus } from './object-census.js';

/** How the growing types are found: not at all, or by counting live objects at both ends of the window. */
export type TypesMethod = 'none' | 'count';
export const TYPES_METHODS: readonly TypesMethod[] = ['none', 'count'];

/** What the two counts cost and saw; null in `where` when no count was asked for. */
export interface TypeCountSummary {
  /** How long each count stopped the app's main thread, in ms: at the start and at the end. */
  pauseMs: [number, number];
  objectsBefore: number;
  objectsAfter: number;
  /** How many constructors grew; `types` lists the first `limit` of them. */
  growingTypes: number;
}

/**
 * `where` in the answer of `/memory/leaks?seconds=N`: always this one shape. `sites` says which code
 * allocated what survived; `types` says what it is, in the app's own class names.
 */
export interface LeakWhere {
  seconds: number;
  samplingIntervalBytes: number;
  sites: AllocationSite[];
  /** Constructors whose live count grew over the window, most growth first; null unless `types=count`. */
  types: TypeGrowth[] | null;
  typeCounts: TypeCountSummary | null;
}

export interface LeakWhereOptions {
  seconds: number;
  intervalBytes: number;
  types: TypesMethod;
  /** The most sites and types listed. */
  limit: number;
  signal?: AbortSignal;
}

/**
 * Samples the allocation sites over the window and, with `types: 'count'`, counts live objects by
 * constructor just before and just after it. The counts stay outside the sampling so the sampler never
 * records the count's own allocations (the queried array, the tally).
 */
export async function findLeakWhere(target: CdpTarget, options: LeakWhereOptions): Promise<LeakWhere> {
  const before = options.types === 'count' ? await takeObjectCensus(target) : undefined;
  const sites = await findLeakSites(target, { durationMs: options.seconds * 1000, intervalBytes: options.intervalBytes, limit: options.limit, ...(options.signal ? { signal: options.signal } : {}) });
  const after = before === undefined ? undefined : await takeObjectCensus(target, { maxHeapBytes: Number.POSITIVE_INFINITY });
  const where: LeakWhere = { seconds: options.seconds, samplingIntervalBytes: options.intervalBytes, sites, types: null, typeCounts: null };
  if (before !== undefined && after !== undefined) {
    const { growing, top } = growingTypes(before, after, options.limit);
    where.types = top;
    where.typeCounts = { pauseMs: [before.pauseMs, after.pauseMs], objectsBefore: before.objects, objectsAfter: after.objects, growingTypes: growing };
  }
  return where;
}
