import { MaintenanceError, type ErrorCode } from '../errors.js';
import { checkedTextParam, documented } from '../params/param-spec.js';
import type { ProbeView } from '../probe/probe-view.js';
import { parseDuration, parseSize } from './durations.js';

/** When a scheduled dump runs. */
export type Trigger =
  | { type: 'at'; at: string }
  | { type: 'gc'; expiresAt: string | undefined }
  | { type: 'heap-above'; bytes: number | undefined; ratio: number | undefined; expiresAt: string | undefined }
  /** Node writes the snapshot itself as the heap nears its limit (near-heap-limit-capture.ts). */
  | { type: 'near-heap-limit' }
  /** A collection rule fired (rules/): taken at once. */
  | { type: 'rule'; name: string }
  /** The recorder's last spill of a process that ended without closing its endpoint (recorder/). */
  | { type: 'recorder' };

export const MAX_AHEAD_MS = 24 * 3_600_000;

/** What a reader makes of one parameter's text: its value, or the words that refuse it (after the parameter's name). */
type Reading<T> = { value: T; refused?: undefined } | { refused: string };

/** The condition `when` names; `expires` adds its deadline. */
type Condition = { type: 'gc' } | { type: 'heap-above'; bytes: number | undefined; ratio: number | undefined } | { type: 'near-heap-limit' };

/** An ISO 8601 time whose `+hh:mm` offset lost its plus to URL decoding. */
const SPACE_FOR_PLUS = /^\d{4}-\d{2}-\d{2}T[\d:.]+ \d{2}(:?\d{2})?$/;

function readAhead(text: string, refused: string): Reading<number> {
  const ms = parseDuration(text);
  return ms === undefined || ms <= 0 || ms > MAX_AHEAD_MS ? { refused } : { value: ms };
}

const readDelay = (text: string) => readAhead(text, 'must be a duration above 0 and at most 24h, e.g. 90s, 5m, 2h or plain seconds');
const readExpires = (text: string) => readAhead(text, 'must be a duration above 0 and at most 24h');

function readAt(text: string, now: number): Reading<number> {
  const at = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at) && SPACE_FOR_PLUS.test(text)) {
    // A URL query decodes + as a space, so an unescaped +01:00 offset arrives as " 01:00".
    return { refused: `has a space before its UTC offset, where a + was meant: in a URL a + means a space, so write + as %2B (at=${text.replace(' ', '%2B')})` };
  }
  if (Number.isNaN(at)) return { refused: 'must be an ISO 8601 time, e.g. 2026-01-31T03:00:00Z' };
  if (at <= now || at - now > MAX_AHEAD_MS) return { refused: 'must be in the future and at most 24 h ahead' };
  return { value: at };
}

function readWhen(text: string): Reading<Condition> {
  if (text === 'near-heap-limit' || text === 'gc') return { value: { type: text } };
  const above = /^heap-above:(.+)$/.exec(text);
  if (above === null) return { refused: 'must be gc, heap-above:<size or percent> or near-heap-limit' };
  const threshold = above[1]!;
  if (threshold.endsWith('%')) {
    const percent = Number(threshold.slice(0, -1));
    if (!(percent > 0 && percent < 100)) return { refused: 'takes a heap-above percent above 0 and below 100' };
    return { value: { type: 'heap-above', bytes: undefined, ratio: percent / 100 } };
  }
  const bytes = parseSize(threshold);
  if (bytes === undefined || bytes <= 0) return { refused: 'takes heap-above with a size (1.5GB, 512MiB) or a percent of the heap limit (80%)' };
  return { value: { type: 'heap-above', bytes, ratio: undefined } };
}

/** A parameter's reader as its spec: the dispatcher refuses what the reader refuses, naming the parameter. */
const scheduleParam = (describe: string, read: (text: string) => Reading<unknown>) => checkedTextParam(describe, (text) => read(text).refused);

/**
 * The parameters that turn an artifact request into a scheduled job. Each is checked as it is read, by
 * the dispatcher, before any rate limit is spent; how they combine is checked by `checkSchedule`.
 */
export const SCHEDULE_PARAMS = {
  delay: documented('take it this much later, into the dump store', scheduleParam('a duration up to 24h (90s, 5m, 2h; plain numbers are seconds)', readDelay)),
  at: documented('take it then, into the dump store', scheduleParam('an ISO 8601 time within the next 24 h (write + as %2B in a URL)', (text) => readAt(text, Date.now()))),
  when: documented('take it when that happens, into the dump store', scheduleParam('gc (after the next major GC), heap-above: with a size (heap-above:1.5GB) or a percent of the heap limit (heap-above:80%), or near-heap-limit (heap snapshot only: written by Node as the heap runs out)', readWhen)),
  expires: documented('with `when`: give up after this long', scheduleParam('a duration up to 24h', readExpires)),
};

export type ScheduleValues = Partial<Record<keyof typeof SCHEDULE_PARAMS, string>>;

const refuse = (code: ErrorCode, message: string) => new MaintenanceError(code, message);

/** The value a reader makes of a parameter, or its refusal as a 400 that names the parameter. */
function valueOf<T>(name: string, reading: Reading<T>): T {
  if (reading.refused !== undefined) throw refuse('INVALID_PARAMETER', `Query parameter "${name}" ${reading.refused}.`);
  return reading.value;
}

/**
 * How the scheduling parameters combine, and whether this target can watch for them, checked with the
 * parameters: one trigger at most, `expires` only with a condition that can expire, near-heap-limit only
 * for a heap snapshot kept in the store, a GC condition only where a probe sees GCs (not through a
 * sidecar), and a heap-above size the heap can reach.
 */
export function checkSchedule(query: ScheduleValues, kind: string, egress: string | undefined, probe: ProbeView | undefined): void {
  const given = (['delay', 'at', 'when'] as const).filter((name) => query[name] !== undefined);
  if (given.length > 1) throw refuse('CONFLICTING_TRIGGERS', `Give one of delay, at or when, not ${given.join(' and ')}.`);
  if (query.expires !== undefined && query.when === undefined) {
    throw refuse('INVALID_PARAMETER', 'Query parameter "expires" only applies to a `when` condition.');
  }
  if (query.when !== undefined && query.when !== 'near-heap-limit') {
    if (probe === undefined) throw refuse('INVALID_PARAMETER', 'Query parameter "when" needs the main-thread probe, which this target does not run.');
    const condition = readWhen(query.when);
    if (condition.refused === undefined) assertReachable(condition.value, probe.reader.figures().heapLimit);
  }
  if (query.when !== 'near-heap-limit') return;
  if (query.expires !== undefined) throw refuse('INVALID_PARAMETER', 'Query parameter "expires" does not apply to when=near-heap-limit: once armed, Node cannot be disarmed.');
  if (kind !== 'heapsnapshot') throw refuse('INVALID_PARAMETER', 'Query parameter "when": near-heap-limit takes a heap snapshot only.');
  if (egress !== undefined) {
    throw refuse('INVALID_PARAMETER', 'Query parameter "egress" does not apply to when=near-heap-limit: the process dies of the OOM as the snapshot is written; the store keeps it.');
  }
}

/**
 * The trigger that `delay`, `at`, `when` and `expires` ask for, read from parameters the dispatcher has
 * checked (`at` again against the clock: a time may have passed meanwhile). Undefined when none is
 * given (stream now).
 */
export function parseTrigger(query: ScheduleValues, now = Date.now()): Trigger | undefined {
  if (query.delay !== undefined) return { type: 'at', at: new Date(now + valueOf('delay', readDelay(query.delay))).toISOString() };
  if (query.at !== undefined) return { type: 'at', at: new Date(valueOf('at', readAt(query.at, now))).toISOString() };
  if (query.when === undefined) return undefined;
  const condition = valueOf('when', readWhen(query.when));
  if (condition.type === 'near-heap-limit') return condition;
  const expiresAt = query.expires === undefined ? undefined : new Date(now + valueOf('expires', readExpires(query.expires))).toISOString();
  return { ...condition, expiresAt };
}

/**
 * Refuses a heap-above size the heap can never reach: V8 dies at its heap limit, so a threshold at or
 * above it would wait forever. Checked where the limit is known (a probe runs in the target).
 */
export function assertReachable(trigger: Condition, heapLimitBytes: number | undefined): void {
  if (trigger.type !== 'heap-above' || trigger.bytes === undefined || heapLimitBytes === undefined || !(heapLimitBytes > 0)) return;
  if (trigger.bytes >= heapLimitBytes) {
    throw refuse(
      'INVALID_PARAMETER',
      `Query parameter "when" names heap-above:${trigger.bytes} bytes, at or above the heap limit (${heapLimitBytes} bytes, ${(heapLimitBytes / 2 ** 20).toFixed(0)} MiB), so it could never fire; give a smaller size or a percent (heap-above:80%).`,
    );
  }
}
