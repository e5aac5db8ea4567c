import { MaintenanceError, type ErrorCode } from '../errors.js';
import { documented, textParam } from '../params/param-spec.js';
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

/** The parameters that turn an artifact request into a scheduled job; their values are checked by parseTrigger. */
export const SCHEDULE_PARAMS = {
  delay: documented('take it this much later, into the dump store', textParam('a duration up to 24h (90s, 5m, 2h; plain numbers are seconds)')),
  at: documented('take it then, into the dump store', textParam('an ISO 8601 time within the next 24 h (write + as %2B in a URL)')),
  when: documented('take it when that happens, into the dump store', textParam('gc (after the next major GC), heap-above: with a size (heap-above:1.5GB) or a percent of the heap limit (heap-above:80%), or near-heap-limit (heap snapshot only: written by Node as the heap runs out)')),
  expires: documented('with `when`: give up after this long', textParam('a duration up to 24h')),
};

export type ScheduleValues = Partial<Record<keyof typeof SCHEDULE_PARAMS, string>>;

/** An ISO 8601 time whose `+hh:mm` offset lost its plus to URL decoding. */
const SPACE_FOR_PLUS = /^\d{4}-\d{2}-\d{2}T[\d:.]+ \d{2}(:?\d{2})?$/;

const badRequest = (code: ErrorCode, message: string) => new MaintenanceError(code, message);

/**
 * Reads `delay`, `at`, `when` and `expires` from an already-validated query. Returns undefined when none
 * is given (stream now). Every mistake is a 400 that names the parameter.
 */
export function parseTrigger(query: ScheduleValues, now = Date.now()): Trigger | undefined {
  const given = (['delay', 'at', 'when'] as const).filter((name) => query[name] !== undefined);
  if (given.length > 1) throw badRequest('CONFLICTING_TRIGGERS', `Give one of delay, at or when, not ${given.join(' and ')}.`);
  if (query.expires !== undefined && query.when === undefined) {
    throw badRequest('INVALID_PARAMETER', 'Query parameter "expires" only applies to a `when` condition.');
  }
  if (query.delay !== undefined) {
    const ms = parseDuration(query.delay);
    if (ms === undefined || ms <= 0 || ms > MAX_AHEAD_MS) {
      throw badRequest('INVALID_PARAMETER', 'Query parameter "delay" must be a duration above 0 and at most 24h, e.g. 90s, 5m, 2h or plain seconds.');
    }
    return { type: 'at', at: new Date(now + ms).toISOString() };
  }
  if (query.at !== undefined) {
    const at = /^\d{4}-\d{2}-\d{2}T/.test(query.at) ? Date.parse(query.at) : Number.NaN;
    if (Number.isNaN(at) && SPACE_FOR_PLUS.test(query.at)) {
      // A URL query decodes + as a space, so an unescaped +01:00 offset arrives as " 01:00".
      throw badRequest('INVALID_PARAMETER', `Query parameter "at" has a space before its UTC offset, where a + was meant: in a URL a + means a space, so write + as %2B (at=${query.at.replace(' ', '%2B')}).`);
    }
    if (Number.isNaN(at)) throw badRequest('INVALID_PARAMETER', 'Query parameter "at" must be an ISO 8601 time, e.g. 2026-01-31T03:00:00Z.');
    if (at <= now || at - now > MAX_AHEAD_MS) throw badRequest('INVALID_PARAMETER', 'Query parameter "at" must be in the future and at most 24 h ahead.');
    return { type: 'at', at: new Date(at).toISOString() };
  }
  if (query.when === undefined) return undefined;
  if (query.when === 'near-heap-limit') {
    if (query.expires !== undefined) throw badRequest('INVALID_PARAMETER', 'Query parameter "expires" does not apply to when=near-heap-limit: once armed, Node cannot be disarmed.');
    return { type: 'near-heap-limit' };
  }
  const expiresAt = parseExpires(query.expires, now);
  if (query.when === 'gc') return { type: 'gc', expiresAt };
  const above = /^heap-above:(.+)$/.exec(query.when);
  if (above !== null) {
    const threshold = above[1]!;
    if (threshold.endsWith('%')) {
      const percent = Number(threshold.slice(0, -1));
      if (!(percent > 0 && percent < 100)) throw badRequest('INVALID_PARAMETER', 'Query parameter "when": heap-above percent must be above 0 and below 100.');
      return { type: 'heap-above', bytes: undefined, ratio: percent / 100, expiresAt };
    }
    const bytes = parseSize(threshold);
    if (bytes === undefined || bytes <= 0) {
      throw badRequest('INVALID_PARAMETER', 'Query parameter "when": heap-above takes a size (1.5GB, 512MiB) or a percent of the heap limit (80%).');
    }
    return { type: 'heap-above', bytes, ratio: undefined, expiresAt };
  }
  throw badRequest('INVALID_PARAMETER', 'Query parameter "when" must be gc, heap-above:<size or percent> or near-heap-limit.');
}

function parseExpires(text: string | undefined, now: number): string | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > MAX_AHEAD_MS) {
    throw badRequest('INVALID_PARAMETER', 'Query parameter "expires" must be a duration above 0 and at most 24h.');
  }
  return new Date(now + ms).toISOString();
}

/**
 * Refuses a heap-above size the heap can never reach: V8 dies at its heap limit, so a threshold at or
 * above it would wait forever. Checked where the limit is known (a probe runs in the target).
 */
export function assertReachable(trigger: Trigger, heapLimitBytes: number | undefined): void {
  if (trigger.type !== 'heap-above' || trigger.bytes === undefined || heapLimitBytes === undefined || !(heapLimitBytes > 0)) return;
  if (trigger.bytes >= heapLimitBytes) {
    throw badRequest(
      'INVALID_PARAMETER',
      `Query parameter "when": heap-above:${trigger.bytes} bytes is at or above the heap limit (${heapLimitBytes} bytes, ${(heapLimitBytes / 2 ** 20).toFixed(0)} MiB), so it could never fire; give a smaller size or a percent (heap-above:80%).`,
    );
  }
}
