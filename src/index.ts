export { startMaintenanceServer, type MaintenanceServer, type MaintenanceServerOptions } from './worker/start-maintenance-server.js';
export { maintenanceRouter } from './router/maintenance-router.js';
export type { MaintenanceOptions, RateLimitOptions, WindowLimit } from './options/resolve-options.js';
export type { RuleOptions, RuleActionKind } from './options/rules-options.js';
export { SCOPES, MIN_TOKEN_LENGTH, DEFAULT_TOKENS_ENV, type Scope, type TokenSpec, type TokenSources } from './options/tokens.js';
export { ConfigError, MaintenanceError, ERROR_CODES, type ErrorCode } from './errors.js';
