import { CONFIRM_INTERVAL_SECONDS, confirmLeak } from '../../operations/leak-confirmation.js';
import { findLeakSites } from '../../operations/leak-sites.js';
import type { Caller } from '../authenticate.js';
import { forbidden } from '../errors.js';
import type { ResolvedConfig } from '../../options/resolve-options.js';
import { booleanParam, integerParam, parseQuery } from '../query.js';
import { runOperation } from '../run-operation.js';
import { requireProbe } from './require-probe.js';
import type { RouteDefinition } from './route.js';

const query = (config: ResolvedConfig) => ({ seconds: integerParam(1, config.maxProfileSeconds), confirm: booleanParam });
const SITES_SHOWN = 20;
const SAMPLING_INTERVAL_BYTES = 32 * 1024;

/**
 * `GET {base}/memory/leaks`: is the heap left after GC growing? With `seconds`, also where: the
 * allocation sites whose allocations in that time are still alive after a full GC.
 */
export const memoryLeaksRoute: RouteDefinition = {
  method: 'GET',
  path: '/memory/leaks',
  scope: 'read',
  heavy: (req) => req.query.seconds !== undefined || req.query.confirm !== undefined,
  summary: 'Leak verdict from the post-GC heap trend, with evidence; `seconds` also samples where retained memory is allocated.',
  query,
  async handler(req, res, context) {
    const { seconds, confirm = false } = parseQuery(req, query(context.config));
    res.locals.auditParams = { ...(seconds === undefined ? {} : { seconds }), ...(confirm ? { confirm } : {}) };
    const probe = requireProbe(context);
    if (confirm && !(res.locals.caller as Caller).scopes.includes('heap')) {
      throw forbidden('confirm=1 forces two full GCs, pausing the app: it needs the "heap" scope.');
    }
    let confirmation;
    if (confirm) {
      confirmation = await runOperation(res, context, 'gc', CONFIRM_INTERVAL_SECONDS * 1000, (signal) => confirmLeak(context.target, { signal }));
      if (confirmation === undefined) return; // the client left
    }
    let where;
    if (seconds !== undefined) {
      const sites = await runOperation(res, context, 'heapprofile', seconds * 1000, (signal) =>
        findLeakSites(context.target, { durationMs: seconds * 1000, intervalBytes: SAMPLING_INTERVAL_BYTES, signal, limit: SITES_SHOWN }),
      );
      if (sites === undefined) return; // the client left
      where = { seconds, samplingIntervalBytes: SAMPLING_INTERVAL_BYTES, sites };
    }
    probe.feed.drain();
    const verdict = probe.leaks.verdict({ windowSeconds: context.config.leakWindowSeconds, ...(confirmation ? { confirmation } : {}) });
    res.locals.auditResult = { verdict: verdict.verdict };
    res.json({ ...verdict, ...(where ? { where } : {}) });
  },
};
