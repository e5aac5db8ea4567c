import { takeHeapProfile } from '../../operations/heap-profile.js';
import { HEAP_PROFILE_EXTENSIONS, heapProfileArtifact } from '../../operations/artifact-formats.js';
import type { ResolvedConfig } from '../../options/resolve-options.js';
import { enumParam, integerParam, parseQuery } from '../query.js';
import { scheduleIfRequested, scheduleParams } from '../schedule-request.js';
import { runOperation } from '../run-operation.js';
import { sendArtifact } from '../send-artifact.js';
import type { RouteDefinition } from './route.js';

const query = (config: ResolvedConfig) => ({
  seconds: integerParam(1, config.maxProfileSeconds),
  /** Mean bytes between samples: V8's default is 32 KiB; smaller is finer and dearer. */
  interval: integerParam(1024, 16 * 1024 * 1024),
  format: enumParam(['heapprofile', 'pprof'] as const),
  /** `collected`: also sample allocations the GC has freed since (churn), not only those still alive. */
  include: enumParam(['live', 'collected'] as const),
  ...scheduleParams,
});

/** `GET {base}/heapprofile`: sampled allocations still alive after `seconds`, by allocating stack. */
export const heapProfileRoute: RouteDefinition = {
  method: 'GET',
  path: '/heapprofile',
  scope: 'profile',
  heavy: true,
  summary: 'Sampling heap profile over `seconds` (default 10): live sampled allocations by stack, .heapprofile or pprof.',
  query,
  async handler(req, res, context) {
    const parsed = parseQuery(req, query(context.config));
    const { seconds = 10, interval = 32 * 1024, format = 'heapprofile', include = 'live' } = parsed;
    const includeCollected = include === 'collected';
    res.locals.auditParams = parsed;
    const request = () => ({ kind: 'heapprofile' as const, extension: HEAP_PROFILE_EXTENSIONS[format], params: { seconds, interval, format, includeCollected } });
    if (scheduleIfRequested(req, res, context, parsed, request)) return;
    const startedAtMs = Date.now();
    const profile = await runOperation(res, context, 'heapprofile', seconds * 1000, (signal) =>
      takeHeapProfile(context.target, { durationMs: seconds * 1000, intervalBytes: interval, signal, includeCollected }),
    );
    if (profile === undefined) return; // the client left; sampling is already stopped
    res.locals.auditResult = { samples: profile.samples.length };
    sendArtifact(res, heapProfileArtifact(profile, format, interval, startedAtMs, includeCollected));
  },
};
