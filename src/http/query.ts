import type { Request } from 'express';
import { badRequest } from './errors.js';

/** How one query parameter is read: from its single raw string to a value, or a 400 naming it. */
export interface ParamSpec<T> {
  /** Shown in errors and in the index, e.g. "true|false" or "1-600". */
  describe: string;
  parse(raw: string): T | undefined;
}

export const booleanParam: ParamSpec<boolean> = {
  describe: 'true|false',
  parse: (raw) => (raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined),
};

export function integerParam(min: number, max: number): ParamSpec<number> {
  return {
    describe: `an integer from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^\d+$/.test(raw)) return undefined;
      const value = Number(raw);
      return value >= min && value <= max ? value : undefined;
    },
  };
}

export function enumParam<T extends string>(values: readonly T[]): ParamSpec<T> {
  return {
    describe: `one of ${values.join(', ')}`,
    parse: (raw) => (values as readonly string[]).includes(raw) ? (raw as T) : undefined,
  };
}

export type ParamSpecs = Record<string, ParamSpec<unknown>>;

export type ParsedQuery<S extends Record<string, ParamSpec<unknown>>> = {
  [K in keyof S]?: S[K] extends ParamSpec<infer T> ? T : never;
};

/**
 * Reads the query strictly: a parameter the route does not know, one given twice, or one whose value
 * does not parse is a 400 that names it and says what is allowed. Nothing runs on a bad request.
 */
export function parseQuery<S extends Record<string, ParamSpec<unknown>>>(req: Request, specs: S): ParsedQuery<S> {
  const result: Record<string, unknown> = {};
  const url = new URL(req.originalUrl, 'http://localhost');
  for (const name of new Set(url.searchParams.keys())) {
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) {
      const known = Object.keys(specs);
      throw badRequest(
        'UNKNOWN_PARAMETER',
        `Unknown query parameter "${name}"; ${known.length ? `allowed: ${known.join(', ')}` : 'this endpoint takes none'}.`,
      );
    }
    const values = url.searchParams.getAll(name);
    if (values.length > 1) throw badRequest('REPEATED_PARAMETER', `Query parameter "${name}" is given more than once.`);
    const value = spec.parse(values[0]!);
    if (value === undefined) throw badRequest('INVALID_PARAMETER', `Query parameter "${name}" must be ${spec.describe}.`);
    result[name] = value;
  }
  return result as ParsedQuery<S>;
}
