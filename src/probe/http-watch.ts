import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { contained } from '../contained.js';
import { isHttpCondition, type HttpRuleCondition, type ResolvedRule } from '../options/rules-options.js';

/**
 * Where each HTTP rule's matching responses are kept: a ring of their times (ms since the epoch) in
 * shared memory, written by the app's thread and read by the rules wherever they run. Plain data, so
 * it crosses into the server's worker.
 */
export interface HttpWatchHandle {
  buffer: SharedArrayBuffer;
  /** Per rule: where its ring starts (in 8-byte slots; slot 0 counts the responses written) and how many it keeps. */
  rings: Record<string, { offset: number; capacity: number }>;
}

interface Ring {
  condition: HttpRuleCondition;
  offset: number;
}

const REQUEST_START = 'http.server.request.start';
const RESPONSE_FINISH = 'http.server.response.finish';

/**
 * Watches the app's own HTTP server responses through diagnostics_channel, for the rules that need it:
 * none, no subscription at all (the channels then cost the app nothing). Runs on the app's thread,
 * where its servers are; each subscriber is contained, since an error thrown there would be the app's.
 */
export function watchHttp(rules: readonly ResolvedRule[]): { handle: HttpWatchHandle; stop(): void } | undefined {
  const watched = rules.filter((rule) => isHttpCondition(rule.when));
  if (watched.length === 0) return undefined;
  const rings: Ring[] = [];
  const layout: HttpWatchHandle['rings'] = {};
  let slots = 0;
  for (const rule of watched) {
    const condition = rule.when as HttpRuleCondition;
    layout[rule.name] = { offset: slots, capacity: condition.count };
    rings.push({ condition, offset: slots });
    slots += 1 + condition.count;
  }
  const buffer = new SharedArrayBuffer(slots * Float64Array.BYTES_PER_ELEMENT);
  const times = new Float64Array(buffer);
  const startedAt = new WeakMap<object, number>();
  const timesRequests = rings.some((ring) => ring.condition.type === 'httpSlowerThanMs');

  const onStart = contained('the HTTP rules', (message: unknown) => {
    startedAt.set((message as { request: object }).request, performance.now());
  });
  const onFinish = contained('the HTTP rules', (message: unknown) => {
    const { request, response } = message as { request: object; response: { statusCode: number } };
    const started = startedAt.get(request);
    const tookMs = started === undefined ? undefined : performance.now() - started;
    const now = Date.now();
    for (const { condition, offset } of rings) {
      const matches = condition.type === 'httpStatus' ? response.statusCode >= condition.from && response.statusCode <= condition.to : tookMs !== undefined && tookMs > condition.threshold;
      if (!matches) continue;
      const written = times[offset]!;
      times[offset + 1 + (written % condition.count)] = now;
      times[offset] = written + 1;
    }
  });
  if (timesRequests) subscribe(REQUEST_START, onStart);
  subscribe(RESPONSE_FINISH, onFinish);
  return {
    handle: { buffer, rings: layout },
    stop() {
      if (timesRequests) unsubscribe(REQUEST_START, onStart);
      unsubscribe(RESPONSE_FINISH, onFinish);
    },
  };
}

/** How many of a rule's matching responses fall within the last `withinMs`, up to the count it keeps. */
export function recentResponses(handle: HttpWatchHandle, rule: string, withinMs: number, now: number): number {
  const ring = handle.rings[rule];
  if (ring === undefined) return 0;
  const times = new Float64Array(handle.buffer, ring.offset * Float64Array.BYTES_PER_ELEMENT, 1 + ring.capacity);
  let recent = 0;
  for (let slot = 1; slot <= Math.min(ring.capacity, times[0]!); slot++) if (times[slot]! > now - withinMs) recent++;
  return recent;
}
