import type { Request } from 'express';
import { parseParams, type ParamSpecs, type ParamValues } from '../params/param-spec.js';

/**
 * Reads the request's query against a route's declared parameters, strictly (see parseParams): from
 * the raw URL, so Express's query parser never turns `a[b]=1` into an object behind our back.
 */
export function readQuery<S extends ParamSpecs>(req: Request, specs: S): ParamValues<S> {
  const url = new URL(req.originalUrl, 'http://localhost');
  const raw = new Map<string, string[]>();
  for (const name of new Set(url.searchParams.keys())) raw.set(name, url.searchParams.getAll(name));
  return parseParams(raw, specs);
}

/**
 * Reads the path's parameters (`/dumps/:id`) against the route's declared specs, as strictly as the
 * query: Express has matched and decoded them; a value that does not parse is a 400 naming it.
 */
export function readPathParams<S extends ParamSpecs>(req: Request, specs: S): ParamValues<S> {
  const raw = new Map<string, string[]>();
  for (const [name, value] of Object.entries(req.params as Record<string, string>)) raw.set(name, [value]);
  return parseParams(raw, specs, 'Path parameter');
}
