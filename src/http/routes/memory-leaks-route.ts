import { findLeakSites } from '../../operations/leak-sites.js';
import { documented, integerParam } from '../../params/param-spec.js';
import { requireProbe } from './require-probe.js';
import { defineRoute } from './route.js';

const SITES_SHOWN = 20;
const SAMPLING_INTERVAL_BYTES = 32 * 1024;

/**
 * `GET {base}/memory/leaks`: is the heap left after GC growing? With `seconds`, also where: the
 * allocation sites whose allocations in that time are still alive after a full GC.
 */
export const memoryLeaksRoute = defineRoute({
  method: 'GET',
  path: '/memory/leaks',
  scope: 'read',
  summary: 'Leak verdict from the post-GC heap trend, with evidence; `seconds` also samples where retained memory is allocated.',
  params: (config) => ({
    seconds: documented('also sample this long where retained memory is allocated (heavy)', integerParam(1, config.maxProfileSeconds)),
  }),
  heavy: (params) => params.seconds !== undefined,
  operation: {
    kind: (params) => (params.seconds === undefined ? undefined : 'heapprofile'),
    expectedMs: (params) => (params.seconds === undefined ? undefined : params.seconds * 1000),
  },
  async handle({ res, context, params, signal, audit }) {
    const probe = requireProbe(context);
    const { seconds } = params;
    let where;
    if (seconds !== undefined) {
      const sites = await findLeakSites(context.target, { durationMs: seconds * 1000, intervalBytes: SAMPLING_INTERVAL_BYTES, signal, limit: SITES_SHOWN });
      where = { seconds, samplingIntervalBytes: SAMPLING_INTERVAL_BYTES, sites };
    }
    probe.feed.drain();
    const verdict = probe.leaks.verdict({ windowSeconds: context.config.leakWindowSeconds });
    audit.auditResult = { leakSuspected: verdict.leakSuspected };
    res.json({ ...verdict, ...(where ? { where } : {}) });
  },
});
