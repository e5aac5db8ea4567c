import { packageInfo } from '../../package-info.js';
import { parseQuery, type ParamSpecs } from '../query.js';
import type { RouteDefinition } from './route.js';

function describeParams(specs: ParamSpecs): Record<string, string> {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.describe]));
}

/** `GET {base}/`: what this endpoint is and offers, and what it is doing right now. */
export function indexRoute(routes: () => readonly RouteDefinition[]): RouteDefinition {
  return {
    method: 'GET',
    path: '/',
    scope: 'read',
    heavy: false,
    summary: 'This index: the package, the process, the endpoints and the operations in progress.',
    query: () => ({}),
    async handler(req, res, context) {
      parseQuery(req, {});
      const base = req.baseUrl;
      res.json({
        name: packageInfo.name,
        version: packageInfo.version,
        pid: await context.target.processId(),
        mode: context.mode,
        ...(context.warnings.length > 0 ? { warnings: context.warnings } : {}),
        endpoints: routes().map((route) => ({
          method: route.method,
          path: base + route.path,
          scope: typeof route.scope === 'string' ? route.scope : route.scope.describe,
          description: route.summary,
          ...(route.query ? { params: describeParams(route.query(context.config)) } : {}),
        })),
        operations: context.operations.list(),
      });
    },
  };
}
