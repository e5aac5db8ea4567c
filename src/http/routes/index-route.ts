import { packageInfo } from '../../package-info.js';
import { describeFields } from '../../params/body-spec.js';
import { describeParams } from '../../params/param-spec.js';
import { targetMode } from '../../targets/target.js';
import { checkSnapshotAdmission } from '../../operations/snapshot-admission.js';
import { seriesState } from '../../operations/snapshot-series.js';
import type { ApiContext } from '../api-context.js';
import { defineRoute, type RouteDefinition } from './route.js';

/** What a heap snapshot would cost now and whether it fits, as the admission check would say; null when it cannot be read. */
async function snapshotEstimate(context: ApiContext): Promise<object | null> {
  try {
    const { forced, ...facts } = await checkSnapshotAdmission(context.target, { memoryLimit: context.config.memoryLimit, force: true });
    return { ...facts, fits: !forced };
  } catch {
    return null;
  }
}

/** `GET {base}/`: what this endpoint is and offers, and what it is doing right now. */
export function indexRoute(routes: () => readonly RouteDefinition[]): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path: '/',
    scope: 'read',
    summary: 'This index: the package, the process, the endpoints and the operations in progress.',
    async handle({ req, res, context }) {
      const base = req.baseUrl;
      res.json({
        name: packageInfo.name,
        version: packageInfo.version,
        pid: await context.target.processId(),
        mode: targetMode(context.target.capabilities),
        ...(context.warnings.length > 0 ? { warnings: context.warnings } : {}),
        endpoints: routes().filter((route) => route.enabled?.(context.config) ?? true).map((route) => ({
          method: route.method,
          path: base + route.path,
          scope: typeof route.scope === 'string' ? route.scope : route.scope.describe,
          description: route.summary,
          ...(route.pathParams ? { pathParams: describeParams(route.pathParams) } : {}),
          ...(route.params ? { params: describeParams(route.params(context.config)) } : {}),
          ...(route.body ? { body: describeFields(route.body(context.config)) } : {}),
        })),
        operations: context.operations.list(),
        heapSnapshotEstimate: await snapshotEstimate(context),
        // The open diff series, whose snapshots keep V8's object ids (GET /heapsnapshot?series=...); null when none is.
        snapshotSeries: seriesState() ?? null,
        // Unlisted above: they are not declared routes, since they answer without a token.
        ...(context.config.healthProbes && context.probe ? { healthProbes: { livez: `${base}/livez`, readyz: `${base}/readyz` } } : {}),
      });
    },
  });
}
