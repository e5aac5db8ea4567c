import type { ArtifactKind } from '../operations/artifacts/artifact-kind.js';
import type { ParamSpecs } from '../params/param-spec.js';
import { defineRoute, type RouteDefinition } from './routes/route.js';
import { streamArtifact } from './stream-artifact.js';

/**
 * A Go-style `/debug/pprof/<name>` path over an artifact of the shared table, for scrapers written for
 * Go services (Pyroscope, Grafana Alloy, `go tool pprof URL`): the same kind, scope, slot, limits and
 * audit as the artifact's own route, its format fixed to pprof and `seconds` defaulting as Go's does.
 * No scheduling and no egress here: those belong to the artifact's own route.
 */
export function pprofRoute(artifact: ArtifactKind, { path, summary, defaultSeconds }: { path: string; summary: string; defaultSeconds: number }): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path,
    scope: artifact.scope,
    summary,
    params: (config) => {
      const { format: _fixed, seconds, ...rest } = artifact.parameters(config) as ParamSpecs;
      return { seconds: { ...seconds!, default: Math.min(defaultSeconds, config.maxProfileSeconds) }, ...rest };
    },
    heavy: true,
    operation: { kind: artifact.lock, expectedMs: (params) => artifact.expectedMs({ ...params, format: 'pprof' } as never) },
    handle: (call) => streamArtifact(call, artifact, { ...call.params, format: 'pprof' }),
  });
}
