import type { RequestHandler } from 'express';
import { findToken, type TokenRecord } from '../options/tokens.js';
import { MaintenanceError } from '../errors.js';
import { markAuthenticated } from '../server/connection-slots.js';
import { unauthorized } from './errors.js';
import type { RateLimiters } from './rate-limits.js';
import { requestState } from './request-state.js';
import { headerCount } from './single-headers.js';

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

// Built once: under a flood of bad requests, an Error (and its stack) per refusal is a cost the app pays.
const NO_TOKEN = unauthorized('A bearer token is required: send `Authorization: Bearer <token>`.');
const BAD_TOKEN = unauthorized('The bearer token is not valid.');
const TWO_TOKENS = new MaintenanceError('DUPLICATE_HEADER', 'Send exactly one Authorization header.');

/**
 * Requires `Authorization: Bearer <token>` naming a configured token and records the caller in the
 * request's state. Authentication comes before the limits, and it is cheap (one SHA-256): a request with a
 * valid token is limited by its own token's allowance only, so no flood of bad guesses from the same
 * address (everyone behind one tunnel shares 127.0.0.1) can lock it out; every other request counts
 * against its client's failure allowance, and is refused 401, or 429 once that is used up.
 */
export function authenticate(tokens: readonly TokenRecord[], limits: Pick<RateLimiters, 'all' | 'authFailures'>): RequestHandler {
  return (req, res, next) => {
    const refuse = (error: Error) => limits.authFailures(req, res, (limited?: unknown) => next(limited ?? error));
    // Proxies and servers disagree on which of two Authorization headers counts: refuse the ambiguity.
    if (headerCount(req, 'authorization') > 1) return refuse(TWO_TOKENS);
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (match === null) return refuse(NO_TOKEN);
    const record = findToken(tokens, match[1]!);
    if (record === undefined) return refuse(BAD_TOKEN);
    requestState(res).caller = { tokenId: record.id, scopes: record.scopes };
    markAuthenticated(req.socket);
    limits.all(req, res, next);
  };
}
