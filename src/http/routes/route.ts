import type { Request, Response } from 'express';
import type { RunningOperation } from '../../operations/operation-registry.js';
import type { LockKind } from '../../operations/process-locks.js';
import type { ResolvedConfig } from '../../options/resolve-options.js';
import type { Scope } from '../../options/tokens.js';
import type { FieldSpecs, FieldValues } from '../../params/body-spec.js';
import type { ParamSpecs, ParamValues, PathValues } from '../../params/param-spec.js';
import type { ApiContext } from '../api-context.js';
import type { Caller, RequestState } from '../request-state.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface ScopeResolver {
  /** Shown in the index, e.g. "heap or profile, as the dump's kind". */
  describe: string;
  /** The scope this request needs, or undefined when what its path parameters name does not exist (404). */
  of(req: Request, context: ApiContext, pathParams: Record<string, unknown>): Scope | undefined;
}

/** What the dispatcher hands a handler: everything checked, typed, and the slot already held. */
export interface RouteCall<P, B = Record<never, never>, PP = Record<never, never>> {
  req: Request;
  res: Response;
  context: ApiContext;
  params: P;
  /** The path's parameters (`:id`), checked against the route's `pathParams` specs. */
  pathParams: PP;
  /** The JSON body's fields, checked against the route's `body` specs (empty when it declares none). */
  body: B;
  caller: Caller;
  /** The process-wide slot, when the route declares one; the dispatcher frees it. */
  operation: RunningOperation | undefined;
  /** Aborts when the client goes away before the response is complete. */
  signal: AbortSignal;
  /** What the audit line records of this request. */
  audit: Pick<RequestState, 'auditParams' | 'auditResult'>;
}

/**
 * One endpoint, declared: method, path, scope, parameters (the single source for the index and the
 * docs' tables), and whether it takes a process-wide slot. The dispatcher does the rest before the
 * handler runs: method, scope, parameters, heavy-rate limit, slot, audit.
 */
export interface RouteSpec<S extends ParamSpecs, B extends FieldSpecs = Record<never, never>, P extends ParamSpecs = Record<never, never>> {
  method: Method;
  /** Express path relative to the base path, e.g. `/heapsnapshot`. */
  path: string;
  /** The path's parameters (each `:name` of `path`), read before the scope, which may depend on them. */
  pathParams?: P;
  /** The scope a token needs: fixed, or decided per request (a dump needs the scope of its kind). */
  scope: Scope | ScopeResolver;
  /** A further scope some parameter values need (`redact=false` needs `heap-raw`), checked with the parameters. */
  paramScope?: (params: ParamValues<S>) => Scope | undefined;
  /** One line for the index. */
  summary: string;
  /** The query parameters it accepts, with ranges and defaults; ranges may depend on the configuration. */
  params?: (config: ResolvedConfig) => S;
  /** How the parameters combine (one trigger at most...), checked with them: throws a MaintenanceError to refuse. */
  checkParams?: (params: ParamValues<S>, context: ApiContext) => void;
  /** The JSON body's fields, for POST routes that take one; read within `bodyLimitBytes` (default 64 KiB). */
  body?: (config: ResolvedConfig) => B;
  bodyLimitBytes?: number;
  /** Whether the route exists in this configuration; when not, its path answers 404 and the index omits it. */
  enabled?: (config: ResolvedConfig) => boolean;
  /** Heavy requests pass the stricter rate limit; a function when only some of a route's requests are heavy. */
  heavy?: boolean | ((params: ParamValues<S>) => boolean);
  /** The process-wide slot the request holds while it runs (409 when taken), and for how long it expects to. */
  operation?: {
    /** A function of the parameters, and of the context where a service may answer without the slot (the recorder). */
    kind: LockKind | ((params: ParamValues<S>, context: ApiContext) => LockKind | undefined);
    expectedMs?: (params: ParamValues<S>) => number | undefined;
  };
  /**
   * Checks run once the slot is held and before the work starts (a heap snapshot's memory): facts for
   * the audit line's `started` entry and the request's own, or a MaintenanceError to refuse.
   */
  admit?: (call: RouteCall<ParamValues<S>, Record<never, never>, PathValues<P>>) => Promise<Record<string, unknown> | undefined>;
  /** Parameters the audit line records; all of them when absent. */
  audited?: (params: ParamValues<S>) => Record<string, unknown>;
  handle(call: RouteCall<ParamValues<S>, FieldValues<B>, PathValues<P>>): Promise<void> | void;
}

/** A route with its parameter types erased, as the route list holds it. */
export type RouteDefinition = RouteSpec<ParamSpecs, FieldSpecs, ParamSpecs>;

/** Checks a route's handler against its own parameters, then erases the types for the list. */
export function defineRoute<S extends ParamSpecs = Record<never, never>, B extends FieldSpecs = Record<never, never>, P extends ParamSpecs = Record<never, never>>(
  spec: RouteSpec<S, B, P>,
): RouteDefinition {
  return spec as unknown as RouteDefinition;
}
