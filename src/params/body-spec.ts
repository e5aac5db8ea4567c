import { MaintenanceError } from '../errors.js';
import type { ParamSpec } from './param-spec.js';

/**
 * How one field of a JSON request body is read: like a query parameter (ParamSpec: what it takes,
 * its default, what it means), but checked against JSON's own types, so `"timeoutMs": "1000"` is an
 * error rather than a guess.
 */
export interface FieldSpec<T> {
  describe: string;
  default?: T;
  meaning?: string;
  /** Absent is an error (400 naming the field). */
  required?: boolean;
  check(value: unknown): T | undefined;
}

export type FieldSpecs = Record<string, FieldSpec<any>>;

/** The typed values of a body: present when given, defaulted or required. */
export type FieldValues<S extends FieldSpecs> = {
  [K in keyof S]: S[K] extends FieldSpec<infer T> ? (S[K] extends { default: T } | { required: true } ? T : T | undefined) : never;
};

type JsonType = 'string' | 'number' | 'boolean';

/**
 * A query parameter's spec reused for a JSON field of the given type: the ranges, enumerations and
 * descriptions of src/params apply as they are, after the JSON type is checked.
 */
export function jsonField<P extends ParamSpec<any>>(type: JsonType, spec: P): FieldSpec<P extends ParamSpec<infer T> ? T : never> & Pick<P, 'default'> {
  return {
    describe: type === 'string' ? `a string: ${spec.describe}` : spec.describe,
    ...(spec.default === undefined ? {} : { default: spec.default }),
    ...(spec.meaning === undefined ? {} : { meaning: spec.meaning }),
    check: (value: unknown) => (typeof value === type ? spec.parse(String(value)) : undefined),
  } as never;
}

/** A string of at most `maxLength` characters; the empty string is refused. */
export function stringField(maxLength: number): FieldSpec<string> {
  return {
    describe: `a string of 1 to ${maxLength} characters`,
    check: (value) => (typeof value === 'string' && value.length > 0 && value.length <= maxLength ? value : undefined),
  };
}

/** A field without which the request means nothing (400 when absent). */
export function required<F extends FieldSpec<any>>(spec: F): F & { required: true } {
  return { ...spec, required: true };
}

/** A JSON object, checked further by whoever receives it (an app command's declared parameters). */
export function objectField(meaning: string): FieldSpec<Record<string, unknown>> {
  return {
    describe: 'a JSON object',
    meaning,
    check: (value) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined),
  };
}

/** Gives a field its meaning for the docs, keeping its type. */
export function described<F extends FieldSpec<any>>(meaning: string, spec: F): F {
  return { ...spec, meaning };
}

/**
 * Reads a parsed JSON body strictly: it must be an object; an unknown field, a missing required one or
 * a value of the wrong type or range is an error that names the field and says what it takes.
 */
export function parseBody<S extends FieldSpecs>(body: unknown, specs: S, where = 'Body field'): FieldValues<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MaintenanceError('BAD_REQUEST', 'The request body must be a JSON object (Content-Type: application/json).');
  }
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) {
      const known = Object.keys(specs);
      throw new MaintenanceError('UNKNOWN_PARAMETER', `Unknown ${where.toLowerCase()} "${name}"; ${known.length ? `allowed: ${known.join(', ')}` : 'none are taken'}.`);
    }
    const checked = spec.check(value);
    if (checked === undefined) throw new MaintenanceError('INVALID_PARAMETER', `${where} "${name}" must be ${spec.describe}.`, { details: { field: name } });
    result[name] = checked;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (name in result) continue;
    if (spec.default !== undefined) result[name] = spec.default;
    else if (spec.required) throw new MaintenanceError('INVALID_PARAMETER', `${where} "${name}" is required: ${spec.describe}.`, { details: { field: name } });
  }
  return result as FieldValues<S>;
}

/** What the index shows of a body: each field with what it takes, whether required, its default and meaning. */
export function describeFields(specs: FieldSpecs): Record<string, string> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => {
      const base = spec.required ? `${spec.describe}, required` : spec.default === undefined ? spec.describe : `${spec.describe} (default ${String(spec.default)})`;
      return [name, spec.meaning === undefined ? base : `${base}: ${spec.meaning}`];
    }),
  );
}
