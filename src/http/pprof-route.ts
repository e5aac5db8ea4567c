import type { ArtifactKind } from '../operations/artifacts/artifact-kind.js';
import { artifactFileName } from '../operations/artifacts/artifact-file-name.js';
import { PPROF_TYPE } from '../operations/artifacts/artifact-kind.js';
import type { ParamSpecs } from '../params/param-spec.js';
import type { FlightRecorder } from '../recorder/flight-recorder.js';
import { defineRoute, type RouteCall, type RouteDefinition } from './routes/route.js';
import { streamArtifact } from './stream-artifact.js';

/** A pprof the recorder answers at once from its running sampler, with facts for the audit line. */
export type RecorderAnswer = (recorder: FlightRecorder) => Promise<{ pprof: Buffer; facts: Record<string, unknown> }>;

/**
 * A Go-style `/debug/pprof/<name>` path over an artifact of the shared table, for scrapers written for
 * Go services (Pyroscope, Grafana Alloy, `go tool pprof URL`): the same kind, scope, slot, limits and
 * audit as the artifact's own route, its format fixed to pprof and `seconds` defaulting as Go's does.
 * No scheduling and no egress here: those belong to the artifact's own route. With `fromRecorder`, a
 * running recorder answers at once instead, without the slot, and `seconds` is not used.
 */
export function pprofRoute(
  artifact: ArtifactKind,
  { path, summary, defaultSeconds, fixed = {}, fromRecorder }: { path: string; summary: string; defaultSeconds: number; fixed?: Record<string, unknown>; fromRecorder?: RecorderAnswer },
): RouteDefinition {
  const answersNow = (context: { recorder: FlightRecorder | undefined }) => fromRecorder !== undefined && context.recorder?.running === true;
  return defineRoute({
    method: 'GET',
    path,
    scope: artifact.scope,
    summary,
    params: (config) => {
      const { format: _format, seconds, ...rest } = artifact.parameters(config) as ParamSpecs;
      for (const name of Object.keys(fixed)) delete rest[name];
      return { seconds: { ...seconds!, default: Math.min(defaultSeconds, config.maxProfileSeconds) }, ...rest };
    },
    heavy: true,
    operation: {
      kind: (_params, context) => (answersNow(context) ? undefined : artifact.lock),
      expectedMs: (params) => artifact.expectedMs({ ...params, ...fixed, format: 'pprof' } as never),
    },
    handle: (call) =>
      answersNow(call.context) ? answerFromRecorder(call, fromRecorder!, call.context.recorder!) : streamArtifact(call, artifact, { ...call.params, ...fixed, format: 'pprof' }),
  });
}

async function answerFromRecorder(call: RouteCall<Record<string, unknown>>, answer: RecorderAnswer, recorder: FlightRecorder): Promise<void> {
  const { pprof, facts } = await answer(recorder);
  call.audit.auditResult = { fromRecorder: true, ...facts };
  call.res.status(200);
  call.res.setHeader('Content-Type', PPROF_TYPE);
  call.res.setHeader('Content-Disposition', `attachment; filename="${artifactFileName('heap.pb.gz', await call.context.target.processId())}"`);
  call.res.end(pprof);
}
