import type * as WorkerMode from './worker/start-maintenance-server.js';

export type { MaintenanceServer, MaintenanceServerOptions } from './worker/start-maintenance-server.js';
/**
 * startMaintenanceServer() of worker/start-maintenance-server.ts, whose code (the worker's start, the rules'
 * check, the commands' port) is loaded when it is called: an app that mounts maintenanceRouter() instead
 * never holds it in its heap.
 */
export const startMaintenanceServer = (async (options: WorkerMode.MaintenanceServerOptions) =>
  (await import('./worker/start-maintenance-server.js')).startMaintenanceServer(options)) as typeof WorkerMode.startMaintenanceServer;
export { maintenanceRouter } from './router/maintenance-router.js';
export { maintenanceRequestHandler, type MaintenanceRequestHandlerOptions } from './router/maintenance-request-handler.js';
export type { MaintenanceOptions, RateLimitOptions, WindowLimit } from './options/resolve-options.js';
export type { RuleOptions, RuleActionKind } from './options/rules-options.js';
export { SCOPES, MIN_TOKEN_LENGTH, DEFAULT_TOKENS_ENV, type Scope, type TokenSpec, type TokenSources } from './options/tokens.js';
export { ConfigError, MaintenanceError, ERROR_CODES, type ErrorCode } from './errors.js';
