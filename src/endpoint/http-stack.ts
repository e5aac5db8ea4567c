import express, { type Express, type Router } from 'express';
import { notFound } from '../errors.js';
import type { ApiContext } from '../http/api-context.js';
import { createApiRouter } from '../http/create-api-router.js';
import { errorHandler } from '../http/error-handler.js';
import { allRoutes } from '../http/routes/all-routes.js';
import { securityHeaders } from '../http/security-headers.js';

/**
 * The endpoint's HTTP stack (Express, the routes, helmet, the rate limiter, the console), built over the
 * services of an endpoint. create-endpoint.ts imports this file on the first request, not at start: an
 * endpoint nobody calls holds none of it.
 */
export function apiRouter(context: ApiContext): Router {
  return createApiRouter(context, allRoutes);
}

/**
 * The standalone app of a server of our own: the API under `basePath`, a JSON 404 everywhere else.
 * `trust proxy` stays off unless configured: the server listens on its own port, normally loopback.
 */
export function standaloneApp(router: Router, basePath: string, context: ApiContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('env', 'production');
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('trust proxy', context.config.trustProxy);
  app.use(basePath, router);
  app.use(securityHeaders());
  app.use((_req, _res, next) => next(notFound()));
  app.use(errorHandler(context.log));
  return app;
}
