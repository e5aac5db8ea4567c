import express, { type Express } from 'express';
import type { ApiContext } from './api-context.js';
import { createApiRouter } from './create-api-router.js';
import { errorHandler } from './error-handler.js';
import { notFound } from './errors.js';
import { securityHeaders } from './security-headers.js';

/**
 * The standalone app of the out-of-band server: the API under `basePath`, a JSON 404 everywhere else.
 * `trust proxy` stays off unless configured: the server listens on its own port, normally loopback.
 */
export function createServerApp(context: ApiContext, basePath: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('env', 'production');
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('trust proxy', context.config.trustProxy);
  app.use(basePath, createApiRouter(context));
  app.use(securityHeaders());
  app.use((_req, _res, next) => next(notFound()));
  app.use(errorHandler(context.log));
  return app;
}
