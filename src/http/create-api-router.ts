import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ApiContext } from './api-context.js';
import { auditRequests } from './audit-requests.js';
import { authenticate, type Caller } from './authenticate.js';
import { errorHandler } from './error-handler.js';
import { forbidden, methodNotAllowed, notFound } from './errors.js';
import { hostCheck } from './host-check.js';
import { createRateLimiters, type RateLimiters } from './rate-limits.js';
import { allRoutes } from './routes/all-routes.js';
import type { RouteDefinition } from './routes/route.js';
import { securityHeaders } from './security-headers.js';

/**
 * The whole API as one Express router, the same in both modes. Order matters: headers and the audit
 * hook first (so refusals are also secured and logged), then the Host check, the rate limits and
 * authentication, and only then routing, so an unauthenticated caller learns nothing about which
 * paths exist. Routing is case-sensitive and strict about trailing slashes.
 */
export function createApiRouter(context: ApiContext, routes: readonly RouteDefinition[] = allRoutes): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  const limits = createRateLimiters(context.config.rateLimit, context.log);
  router.use(securityHeaders());
  router.use(auditRequests(context.log));
  router.use(countRequests(context));
  router.use(hostCheck(context.config.allowedHosts));
  router.use(authenticate(context.config.tokens, limits));
  for (const [path, group] of groupByPath(routes)) router.all(path, dispatch(group, limits, context));
  router.use((_req: Request, _res: Response, next: NextFunction) => next(notFound()));
  router.use(errorHandler(context.log));
  return router;
}

/** The endpoint's own request counter for /metrics, labelled with the route's path (bounded), not the URL. */
function countRequests(context: ApiContext) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.once('close', () => context.metrics.countRequest((res.locals.routePath as string | undefined) ?? 'unmatched', res.statusCode));
    next();
  };
}

function groupByPath(routes: readonly RouteDefinition[]): Map<string, RouteDefinition[]> {
  const groups = new Map<string, RouteDefinition[]>();
  for (const route of routes) groups.set(route.path, [...(groups.get(route.path) ?? []), route]);
  return groups;
}

/**
 * Runs the route for the request's method only. Express would run a GET handler for HEAD; here HEAD,
 * OPTIONS and every other method get 405 with an Allow header and nothing runs.
 */
function dispatch(group: RouteDefinition[], limits: RateLimiters, context: ApiContext) {
  const allow = group.map((route) => route.method).join(', ');
  return (req: Request, res: Response, next: NextFunction): void => {
    const route = group.find((candidate) => candidate.method === req.method);
    if (route === undefined) return next(methodNotAllowed(req.method, allow));
    res.locals.routePath = route.path;
    const caller = res.locals.caller as Caller;
    const scope = typeof route.scope === 'string' ? route.scope : route.scope.of(req, context);
    if (scope === undefined) return next(notFound('No such item.'));
    if (!caller.scopes.includes(scope)) {
      return next(forbidden(`Token "${caller.tokenId}" lacks the "${scope}" scope this endpoint needs.`));
    }
    const run = () => {
      Promise.resolve()
        .then(() => route.handler(req, res, context))
        .catch(next);
    };
    const heavy = typeof route.heavy === 'function' ? route.heavy(req) : route.heavy;
    if (heavy) limits.heavy(req, res, (error?: unknown) => (error ? next(error) : run()));
    else run();
  };
}
