import { takeCpuProfile } from '../../operations/cpu-profile.js';
import { CPU_EXTENSIONS, cpuProfileArtifact } from '../../operations/artifact-formats.js';
import type { ResolvedConfig } from '../../options/resolve-options.js';
import { enumParam, integerParam, parseQuery } from '../query.js';
import { scheduleIfRequested, scheduleParams } from '../schedule-request.js';
import { runOperation } from '../run-operation.js';
import { sendArtifact } from '../send-artifact.js';
import type { RouteDefinition } from './route.js';

const query = (config: ResolvedConfig) => ({
  seconds: integerParam(1, config.maxProfileSeconds),
  /** Microseconds between samples: V8's default is 1000; below 50 the profiler itself dominates. */
  interval: integerParam(50, 100_000),
  format: enumParam(['cpuprofile', 'pprof'] as const),
  ...scheduleParams,
});

/** `GET {base}/cpuprofile`: a timed V8 CPU profile of the main thread, as `.cpuprofile` or pprof. */
export const cpuProfileRoute: RouteDefinition = {
  method: 'GET',
  path: '/cpuprofile',
  scope: 'profile',
  heavy: true,
  summary: 'CPU profile of the main thread over `seconds` (default 10): .cpuprofile for DevTools, or pprof.',
  query,
  async handler(req, res, context) {
    const parsed = parseQuery(req, query(context.config));
    const { seconds = 10, interval = 1000, format = 'cpuprofile' } = parsed;
    res.locals.auditParams = parsed;
    const request = () => ({ kind: 'cpuprofile' as const, extension: CPU_EXTENSIONS[format], params: { seconds, interval, format } });
    if (scheduleIfRequested(req, res, context, parsed, request)) return;
    const startedAtMs = Date.now();
    const result = await runOperation(res, context, 'cpuprofile', seconds * 1000, (signal) =>
      takeCpuProfile(context.target, { durationMs: seconds * 1000, intervalUs: interval, signal }),
    );
    if (result === undefined) return; // the client left; the profiler is already stopped
    const { profile, warnings } = result;
    res.locals.auditResult = { samples: profile.samples?.length ?? 0, warnings: warnings.length };
    if (warnings.length > 0) res.setHeader('Maintenance-Warning', warnings.join(' | '));
    sendArtifact(res, cpuProfileArtifact(profile, format, interval, startedAtMs));
  },
};
