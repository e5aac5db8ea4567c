import { MaintenanceError } from '../errors.js';
import type { CdpTarget } from '../targets/target.js';
import { heapUsage } from './heap-usage.js';

/** Live objects of the main context counted by constructor name, after the full GCs the count itself runs. */
export interface ObjectCensus {
  /** Objects counted (every object whose prototype chain reaches Object.prototype). */
  objects: number;
  /** Count per constructor name. */
  byConstructor: Map<string, number>;
  /** How long the count stopped the app's main thread: the query and the tally, in ms. */
  pauseMs: number;
}

/**
 * The heap in use above which a count is refused. `Runtime.queryObjects` costs several full GCs (it
 * runs a full collection to a fixed point and walks the heap twice more, each walk marking it first):
 * 5-18 s for a 77-186 MB heap of 1-1.4 million objects on a loaded 2-core machine, against 0.2-1.2 s
 * for one full GC there. Past 512 MiB a count could stop the app for most of a minute.
 */
export const CENSUS_MAX_HEAP_BYTES = 512 * 1024 * 1024;

/** Constructor names kept per census; beyond, the rarest are summed under one name. */
const MAX_NAMES = 10_000;
export const OTHER_TYPES = '(other types)';

/**
 * Tallies the queried array in the target by constructor name. It never runs app code: the array
 * holds no proxies (queryObjects follows the raw prototype chain, which a proxy ends), and names are
 * read through property descriptors, so a `constructor` or `name` getter is never called. Names are
 * resolved once per prototype, not per object: the loop allocates nothing per object.
 */
const TALLY = `function (maxNames, otherName) {
  const protoOf = Object.getPrototypeOf, own = Object.getOwnPropertyDescriptor;
  const perPrototype = new Map();
  for (let i = 0; i < this.length; i++) {
    const prototype = protoOf(this[i]);
    perPrototype.set(prototype, (perPrototype.get(prototype) ?? 0) + 1);
  }
  const nameOf = (prototype) => {
    for (let p = prototype; p !== null; p = protoOf(p)) {
      const constructor = own(p, 'constructor');
      if (constructor === undefined) continue;
      const name = typeof constructor.value === 'function' ? own(constructor.value, 'name') : undefined;
      return typeof name?.value === 'string' && name.value !== '' ? name.value.slice(0, 200) : '(anonymous)';
    }
    return '(anonymous)';
  };
  const perName = new Map();
  for (const [prototype, count] of perPrototype) {
    const name = nameOf(prototype);
    perName.set(name, (perName.get(name) ?? 0) + count);
  }
  const sorted = [...perName].sort((a, b) => b[1] - a[1]);
  const kept = sorted.slice(0, maxNames);
  const rest = sorted.slice(maxNames).reduce((sum, entry) => sum + entry[1], 0);
  if (rest > 0) kept.push([otherName, rest]);
  return JSON.stringify({ objects: this.length, counts: kept });
}`;

interface RemoteObject {
  objectId?: string;
}

interface CallReply {
  result: { value?: unknown };
  exceptionDetails?: { text: string };
}

let groupSerial = 0;

/**
 * Counts the main context's live objects by constructor: `Runtime.queryObjects(Object.prototype)` (a
 * full GC, then every object whose chain reaches it: arrays, maps, functions, class instances; not
 * primitives such as strings, not objects with a null prototype), a tally in the target, and the array
 * released at once so nothing is kept. Refused above `maxHeapBytes` of heap in use, before any pause.
 *
 * Side effects V8 has on the app, beyond the pause: queryObjects clears every function's type feedback
 * (optimized code relearns it) and moves small on-heap typed arrays' contents off the heap.
 */
export async function takeObjectCensus(target: CdpTarget, options: { maxHeapBytes?: number } = {}): Promise<ObjectCensus> {
  const limit = options.maxHeapBytes ?? CENSUS_MAX_HEAP_BYTES;
  const { usedSize } = await heapUsage(target);
  if (usedSize > limit) {
    throw new MaintenanceError(
      'PAUSE_TOO_LONG',
      `Counting objects by type pauses the app for several full GCs; its heap holds ${mib(usedSize)} MiB, above the ${mib(limit)} MiB allowed. ` +
        'Compare two heap snapshots instead.',
      { details: { heapUsedBytes: usedSize, limitBytes: limit } },
    );
  }
  const objectGroup = `maintenance-endpoint-census-${++groupSerial}`;
  try {
    const prototype = await target.send<{ result: RemoteObject }>('Runtime.evaluate', { expression: 'Object.prototype', objectGroup, silent: true });
    if (prototype.result.objectId === undefined) throw new MaintenanceError('EVALUATION_FAILED', 'Object census failed in the target: no Object.prototype');
    const started = performance.now();
    const queried = await target.send<{ objects: RemoteObject }>('Runtime.queryObjects', { prototypeObjectId: prototype.result.objectId, objectGroup });
    const tally = await target.send<CallReply>('Runtime.callFunctionOn', {
      objectId: queried.objects.objectId,
      functionDeclaration: TALLY,
      arguments: [{ value: MAX_NAMES }, { value: OTHER_TYPES }],
      returnByValue: true,
      silent: true,
    });
    const pauseMs = Math.round((performance.now() - started) * 10) / 10;
    if (tally.exceptionDetails !== undefined || typeof tally.result.value !== 'string') {
      throw new MaintenanceError('EVALUATION_FAILED', `Object census failed in the target: ${tally.exceptionDetails?.text ?? 'no value'}`);
    }
    const { objects, counts } = JSON.parse(tally.result.value) as { objects: number; counts: Array<[string, number]> };
    return { objects, byConstructor: new Map(counts), pauseMs };
  } finally {
    // The queried array holds every object of the heap: it must not outlive the count.
    await target.send('Runtime.releaseObjectGroup', { objectGroup }).catch(() => undefined);
  }
}

/** One constructor's live objects at both ends of a window. */
export interface TypeGrowth {
  constructor: string;
  countBefore: number;
  countAfter: number;
  delta: number;
}

/** The constructors whose count grew between two censuses, most growth first, at most `limit`. */
export function growingTypes(before: ObjectCensus, after: ObjectCensus, limit: number): { growing: number; top: TypeGrowth[] } {
  const growth: TypeGrowth[] = [];
  for (const [name, countAfter] of after.byConstructor) {
    if (name === OTHER_TYPES) continue;
    const countBefore = before.byConstructor.get(name) ?? 0;
    if (countAfter > countBefore) growth.push({ constructor: name, countBefore, countAfter, delta: countAfter - countBefore });
  }
  growth.sort((a, b) => b.delta - a.delta || b.countAfter - a.countAfter || (a.constructor < b.constructor ? -1 : 1));
  return { growing: growth.length, top: growth.slice(0, limit) };
}

function mib(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}
