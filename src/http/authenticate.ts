import type { RequestHandler } from 'express';
import { findToken, type TokenRecord } from '../options/tokens.js';
import { unauthorized } from './errors.js';
import { requestState } from './request-state.js';

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/** Requires `Authorization: Bearer <token>` naming a configured token; records the caller in the request's state. */
export function authenticate(tokens: readonly TokenRecord[]): RequestHandler {
  return (req, res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (match === null) return next(unauthorized('A bearer token is required: send `Authorization: Bearer <token>`.'));
    const record = findToken(tokens, match[1]!);
    if (record === undefined) return next(unauthorized('The bearer token is not valid.'));
    requestState(res).caller = { tokenId: record.id, scopes: record.scopes };
    next();
  };
}
