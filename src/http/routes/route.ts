import type { Request, Response } from 'express';
import type { Scope } from '../../options/tokens.js';
import type { ResolvedConfig } from '../../options/resolve-options.js';
import type { ApiContext } from '../api-context.js';
import type { ParamSpecs } from '../query.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface ScopeResolver {
  /** Shown in the index, e.g. "heap or profile, as the dump's kind". */
  describe: string;
  /** The scope this request needs, or undefined when what it names does not exist (404). */
  of(req: Request, context: ApiContext): Scope | undefined;
}

/** One endpoint: its method and path under the base path, the scope it needs, and what it does. */
export interface RouteDefinition {
  method: Method;
  /** Express path relative to the base path, e.g. `/heapsnapshot`. */
  path: string;
  /** The scope a token needs: fixed, or decided per request (a dump needs the scope of its kind). */
  scope: Scope | ScopeResolver;
  /** Heavy requests pass the stricter rate limit; a function when only some of a route's requests are heavy. */
  heavy: boolean | ((req: Request) => boolean);
  /** One line for the index. */
  summary: string;
  /** The query parameters it accepts; ranges may depend on the configuration. */
  query?: (config: ResolvedConfig) => ParamSpecs;
  handler(req: Request, res: Response, context: ApiContext): Promise<void> | void;
}
