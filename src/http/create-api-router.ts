import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { notFound } from '../errors.js';
import type { ApiContext } from './api-context.js';
import { auditRequests } from './audit-requests.js';
import { authenticate } from './authenticate.js';
import { consoleRoutes } from './console/console-routes.js';
import { dispatch } from './dispatch.js';
import { errorHandler } from './error-handler.js';
import { hostCheck } from './host-check.js';
import { createRateLimiters } from './rate-limits.js';
import { requestState } from './request-state.js';
import { livezRoute } from './routes/livez-route.js';
import { readyzRoute } from './routes/readyz-route.js';
import type { RouteDefinition } from './routes/route.js';
import { securityHeaders } from './security-headers.js';
import { onResponseClosed } from './response-closed.js';

/**
 * The whole API as one Express router, the same in every mode. Order matters: headers and the audit
 * hook first (so refusals are also secured and logged), then the Host check, the rate limits and
 * authentication, and only then routing, so an unauthenticated caller learns nothing about which
 * paths exist. Routing is case-sensitive and strict about trailing slashes.
 */
export function createApiRouter(context: ApiContext, routes: readonly RouteDefinition[]): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  const limits = createRateLimiters(context.config.rateLimit, context.log, context.config.healthProbes?.rateLimit);
  // One router layer for what every request passes before routing: each layer of Express's router costs
  // a path match and a few closures per request, which an unauthenticated flood in router mode makes the
  // app pay. The order is the same as one layer each would have; the health probes (never in router
  // mode) come between the headers and the audit, so with them the headers are a layer of their own.
  const headers = securityHeaders();
  const probes = mountHealthProbes(router, context, limits.probes, headers);
  router.use(
    inSequence(
      ...(probes ? [] : [headers]),
      auditRequests(context.log),
      countRequests(context),
      hostCheck(context.config.allowedHosts),
      // The console's page and assets are public (no data in them); everything it shows needs a token.
      consoleRoutes(limits.tokenless),
      authenticate(context.config.tokens, limits),
    ),
  );
  const enabled = routes.filter((route) => route.enabled?.(context.config) ?? true);
  // The routes in a router of their own: a refusal above goes to the error handler past one layer, not
  // past a path match per route (a cost every request of an unauthenticated flood paid).
  const api = express.Router({ caseSensitive: true, strict: true });
  for (const [path, group] of groupByPath(enabled)) api.all(path, dispatch(group, limits, context));
  router.use(api);
  router.use((_req: Request, _res: Response, next: NextFunction) => next(notFound()));
  router.use(errorHandler(context.log));
  return router;
}

/** `livez` and `readyz` behind the security headers, when configured and a probe runs in the app: status only, no token. */
function mountHealthProbes(router: Router, context: ApiContext, limit: RequestHandler | undefined, headers: RequestHandler): boolean {
  const { healthProbes } = context.config;
  if (healthProbes === undefined || context.probe === undefined || limit === undefined) return false;
  router.use(headers);
  const health = { probe: context.probe, operations: context.operations, unresponsiveAfterSeconds: healthProbes.unresponsiveAfterSeconds };
  router.get('/livez', limit, livezRoute(health));
  router.get('/readyz', limit, readyzRoute(health));
  return true;
}

/** The endpoint's own request counter for /metrics, labelled with the route's path (bounded), not the URL. */
function countRequests(context: ApiContext) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    onResponseClosed(res, () => context.metrics.countRequest(requestState(res).routePath ?? 'unmatched', res.statusCode));
    next();
  };
}

/** Middlewares run one after the other as one: the first error (or 'router') leaves for `next`. */
function inSequence(...handlers: RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined || index === handlers.length) return next(error);
      handlers[index++]!(req, res, step);
    };
    step();
  };
}

function groupByPath(routes: readonly RouteDefinition[]): Map<string, RouteDefinition[]> {
  const groups = new Map<string, RouteDefinition[]>();
  for (const route of routes) groups.set(route.path, [...(groups.get(route.path) ?? []), route]);
  return groups;
}
