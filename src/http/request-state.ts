import type { Response } from 'express';
import type { Scope } from '../options/tokens.js';

/** Who made the request, once authenticated. */
export interface Caller {
  tokenId: string;
  scopes: readonly Scope[];
}

/**
 * What the layers of one request tell each other, typed: who called, which route matched, and what the
 * audit line should say. Kept beside the response rather than in Express's untyped locals.
 */
export interface RequestState {
  caller?: Caller;
  /** The matched route's path pattern (bounded), for metrics labels. */
  routePath?: string;
  /** Parameters as the route validated them: nothing unvetted reaches the log. */
  auditParams?: Record<string, unknown>;
  auditResult?: Record<string, unknown>;
}

/**
 * Kept on the response under a symbol of ours rather than in a WeakMap: a WeakMap entry per request makes
 * every young-generation GC trace it as an ephemeron, a cost an unauthenticated flood in router mode
 * makes the app pay request after request.
 */
const STATE = Symbol('maintenance-endpoint request state');

export function requestState(res: Response): RequestState {
  return ((res as Response & { [STATE]?: RequestState })[STATE] ??= {});
}
