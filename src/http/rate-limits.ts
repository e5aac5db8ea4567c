import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Options } from 'express-rate-limit';
import type { AuditLogger } from '../log/audit-logger.js';
import type { ResolvedConfig, WindowLimit } from '../options/resolve-options.js';
import { MaintenanceError } from '../errors.js';
import { requestState } from './request-state.js';
import { contained } from '../contained.js';

export interface RateLimiters {
  /** Requests with a valid token, per token: one caller's volume never touches another's. */
  all: RequestHandler;
  /**
   * Requests without a valid token, per client address: every one counts, so guessing runs into a
   * wall. It never sees a request with a valid token, so nobody's failures lock a valid token out.
   */
  authFailures: RequestHandler;
  /** Heavy operations, per token; counted when they start (an abort still counts), a 400 gives its hit back. */
  heavy: RequestHandler;
  /** What answers without a token (the console's page and assets), per client address, at the general rate. */
  tokenless: RequestHandler;
  /**
   * The health probes, per client address, with a counter of their own: a probe refused because other
   * traffic from the kubelet's address (SNAT to the node, hostNetwork pods) used up a shared limit
   * would restart a healthy pod. Present when health probes are configured.
   */
  probes: RequestHandler | undefined;
}

/**
 * express-rate-limit with in-memory stores, one per limit. The failure limit is keyed by client address
 * as Express sees it (`req.ip`, IPv6 by its /56), or by `keyFunction` when given; the others by the
 * token id the request authenticated with. Every refusal carries one wait figure: the seconds until the
 * client's window resets, in the message, in Retry-After and in the RateLimit header alike.
 * Configuration mistakes reported by express-rate-limit (ERR_ERL_*) go to the audit log.
 */
export function createRateLimiters(config: ResolvedConfig['rateLimit'], log: AuditLogger, probes?: WindowLimit): RateLimiters {
  const keyFunction = config.keyGenerator;
  const logger = {
    warn: (error: unknown) => log.warn('express-rate-limit warning', describe(error)),
    error: (error: unknown) => log.error('express-rate-limit error', describe(error)),
  };
  const make = (window: WindowLimit, name: string, what: string, extra: Partial<Options>): RequestHandler =>
    rateLimit({
      windowMs: window.windowMs,
      limit: window.limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      requestPropertyName: name,
      logger,
      // An X-Forwarded-For header while `trust proxy` is off is a client's claim we deliberately ignore,
      // not a configuration mistake, so it should not fill the log.
      validate: { xForwardedForHeader: false },
      handler: (req, res, next) => next(overLimit(res, window, what, secondsUntilReset(req, name, window.windowMs))),
      ...extra,
    });
  const tokenKey = (_req: Request, res: Response) => `token:${requestState(res).caller!.tokenId}`;
  // ipKeyGenerator groups IPv6 clients by their /56; an IPv4 address it returns as is, after a test of
  // Node's IPv6 expression that every request of a flood paid for.
  const clientKey = keyFunction ?? ((req: Request) => {
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    return ip.includes(':') ? ipKeyGenerator(ip) : ip;
  });
  const heavyStore = new MemoryStore();
  const heavyLimit = make(config.heavy, 'rateLimitHeavy', 'heavy operations', { keyGenerator: tokenKey, store: heavyStore });
  return {
    all: make(config.all, 'rateLimitAll', 'requests', { keyGenerator: tokenKey }),
    authFailures: failureLimit(config.authFailures, clientKey),
    tokenless: make(config.all, 'rateLimitTokenless', 'requests', { keyGenerator: clientKey }),
    probes: probes === undefined ? undefined : make(probes, 'rateLimitProbes', 'health probes', { keyGenerator: clientKey }),
    // A request refused for a malformed parameter did nothing heavy: its hit is given back, so a typo
    // does not cost a minute. An aborted one still counts.
    heavy: (req: Request, res: Response, next: NextFunction) =>
      heavyLimit(req, res, (error?: unknown) => {
        if (error === undefined) {
          res.once('finish', contained('the heavy-request limit', () => {
            const key = (req as unknown as Record<string, { key?: string } | undefined>).rateLimitHeavy?.key;
            if (res.statusCode === 400 && key !== undefined) void heavyStore.decrement(key);
          }));
        }
        next(error);
      }),
  };
}

/**
 * The failure limit, which every refusal passes: express-rate-limit's own MemoryStore (its fixed windows
 * and their expiry), counted without its middleware, whose work per request (its checks, debug arguments
 * that compute req.ip again, four promise turns) was a good part of what an unauthenticated flood costs
 * the app in router mode. It sends no RateLimit headers: they would tell a guesser how many tries remain.
 */
function failureLimit(window: WindowLimit, keyOf: (req: Request) => string): RequestHandler {
  const store = new MemoryStore();
  store.init({ windowMs: window.windowMs } as Options);
  return (req, res, next) => {
    store.increment(keyOf(req)).then(({ totalHits, resetTime }) => {
      next(totalHits <= window.limit ? undefined : overLimit(res, window, 'failed authentications', secondsUntil(resetTime, window.windowMs)));
    }, next);
  };
}

/** The refusal of a request over its limit, with its one wait figure (message, Retry-After and RateLimit alike). */
function overLimit(res: Response, window: WindowLimit, what: string, retryAfter: number): MaintenanceError {
  res.setHeader('RateLimit', `limit=${window.limit}, remaining=0, reset=${retryAfter}`);
  return new MaintenanceError('RATE_LIMITED', `Too many ${what}; retry in ${retryAfter} s.`, { retryAfterSeconds: retryAfter });
}

function secondsUntilReset(req: Request, name: string, windowMs: number): number {
  return secondsUntil((req as unknown as Record<string, { resetTime?: Date } | undefined>)[name]?.resetTime, windowMs);
}

function secondsUntil(resetTime: Date | undefined, windowMs: number): number {
  return Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000));
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { code: (error as { code?: string }).code, detail: error.message };
  return { detail: String(error) };
}
