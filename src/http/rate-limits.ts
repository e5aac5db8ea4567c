import type { RequestHandler } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import type { AuditLogger } from '../log/audit-logger.js';
import type { ResolvedConfig, WindowLimit } from '../options/resolve-options.js';
import { MaintenanceError } from '../errors.js';

export interface RateLimiters {
  /** Every request. */
  all: RequestHandler;
  /** Counts only requests that end in 401, so guessing tokens runs into a wall while real users do not. */
  authFailures: RequestHandler;
  /** Heavy operations; every attempt counts, including those the client aborts. */
  heavy: RequestHandler;
}

/**
 * Limits are keyed by client address as Express sees it (`req.ip`). `trust proxy` stays off unless the
 * operator sets it: with it on, a client that rotates X-Forwarded-For would get a new key each time.
 * express-rate-limit reports configuration mistakes (ERR_ERL_*) through the audit log, never the console.
 */
export function createRateLimiters(config: ResolvedConfig['rateLimit'], log: AuditLogger): RateLimiters {
  const logger = {
    warn: (error: unknown) => log.warn('express-rate-limit warning', describe(error)),
    error: (error: unknown) => log.error('express-rate-limit error', describe(error)),
  };
  const make = (window: WindowLimit, what: string, extra: Partial<Options> = {}): RequestHandler =>
    rateLimit({
      windowMs: window.windowMs,
      limit: window.limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      logger,
      // An X-Forwarded-For header while `trust proxy` is off is a client's claim we deliberately ignore,
      // not a configuration mistake, so it should not fill the log.
      validate: { xForwardedForHeader: false },
      handler: (req, _res, next) => {
        const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
        const retryAfter = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + window.windowMs) - Date.now()) / 1000));
        next(new MaintenanceError('RATE_LIMITED', `Too many ${what}; retry in ${retryAfter} s.`, { retryAfterSeconds: retryAfter }));
      },
      ...extra,
    });
  return {
    all: make(config.all, 'requests'),
    authFailures: make(config.authFailures, 'failed authentications', {
      // Its headers would overwrite those of `all` and tell a guesser how many tries remain.
      standardHeaders: false,
      skipSuccessfulRequests: true,
      requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    }),
    heavy: make(config.heavy, 'heavy operations'),
  };
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { code: (error as { code?: string }).code, detail: error.message };
  return { detail: String(error) };
}
