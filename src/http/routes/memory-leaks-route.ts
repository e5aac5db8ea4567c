import { CONFIRM_INTERVAL_SECONDS, confirmLeak } from '../../operations/leak-confirmation.js';
import { invalidParameter } from '../../errors.js';
import { leakVerdict } from '../../operations/leak-verdict.js';
import { findLeakWhere, TYPES_METHODS } from '../../operations/leak-where.js';
import { booleanParam, documented, enumParam, integerParam } from '../../params/param-spec.js';
import { forbidden } from '../errors.js';
import { requireProbe } from './require-probe.js';
import { defineRoute } from './route.js';

const SITES_SHOWN = 20;
const SAMPLING_INTERVAL_BYTES = 32 * 1024;

/**
 * `GET {base}/memory/leaks`: is the heap left after full GCs growing? With `confirm`, two forced full
 * GCs join the floors (a fast leak is called at once; less growth is not a no); with `seconds`, also where: the allocation sites whose allocations in that
 * time are still alive after a full GC.
 */
export const memoryLeaksRoute = defineRoute({
  method: 'GET',
  path: '/memory/leaks',
  scope: 'read',
  summary: 'Leak verdict from the heap left after full GCs, with evidence; `confirm` adds two forced full GCs (a fast leak is called at once), `seconds` also samples where retained memory is allocated.',
  params: (config) => ({
    seconds: documented('also sample this long where retained memory is allocated (heavy, the heap profile slot)', integerParam(1, config.maxProfileSeconds)),
    confirm: documented(
      `force two full GCs ${CONFIRM_INTERVAL_SECONDS} s apart: a leak fast enough to show between them is called at once, less growth is not a no (heavy, the GC slot; needs the heap scope too)`,
      booleanParam(false),
    ),
    types: documented(
      'with `seconds`: `count` also counts live objects by constructor at both ends of the window and lists the growing types (needs the heap scope too: each count pauses the app as long as several full GCs)',
      enumParam(TYPES_METHODS, 'none'),
    ),
  }),
  heavy: (params) => params.seconds !== undefined || params.confirm,
  operation: {
    kind: (params) => (params.confirm ? 'gc' : params.seconds !== undefined ? 'heapprofile' : undefined),
    expectedMs: (params) => (params.confirm ? CONFIRM_INTERVAL_SECONDS : params.seconds ?? 0) * 1000,
  },
  async handle({ res, context, params, caller, signal, audit }) {
    const probe = requireProbe(context);
    if (params.confirm && !caller.scopes.includes('heap')) {
      throw forbidden('confirm=1 forces two full GCs, pausing the app: it needs the "heap" scope.');
    }
    if (params.types !== 'none' && params.seconds === undefined) throw invalidParameter('types', 'given with seconds (the window whose growth it counts)');
    if (params.types !== 'none' && !caller.scopes.includes('heap')) {
      throw forbidden('types=count pauses the app for a count of its heap at each end of the window: it needs the "heap" scope.');
    }
    const confirmation = params.confirm ? await confirmLeak(context.target, { signal }) : undefined;
    let where;
    if (params.seconds !== undefined) {
      // With confirm the dispatcher holds the GC slot; the sampling needs its own.
      const sampling = params.confirm ? context.operations.begin('heapprofile', params.seconds * 1000) : undefined;
      try {
        where = await findLeakWhere(context.target, { seconds: params.seconds, intervalBytes: SAMPLING_INTERVAL_BYTES, types: params.types, signal, limit: SITES_SHOWN });
      } finally {
        sampling?.end();
      }
    }
    const verdict = await leakVerdict({
      target: context.target,
      leaks: probe.leaks,
      operations: context.operations,
      windowSeconds: context.config.leakWindowSeconds,
      confirmation,
      mayForceGcs: caller.scopes.includes('heap'),
      drain: () => probe.feed.drain(),
      signal,
    });
    audit.auditResult = { verdict: verdict.verdict, ...(verdict.automaticConfirmation ? { forcedFullGcs: 2 } : {}) };
    res.json({ ...verdict, ...(where ? { where } : {}) });
  },
});
