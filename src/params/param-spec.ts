import { MaintenanceError } from '../errors.js';

/**
 * How one named parameter is read: from its single raw string to a typed value. Routes and artifacts
 * declare their parameters with these; the HTTP dispatcher reads them from the request, the index and
 * docs/api.md describe them, and nothing downstream ever sees an unvalidated value.
 */
export interface ParamSpec<T> {
  /** Shown in errors and in the index, e.g. "true|false" or "an integer from 1 to 600". */
  describe: string;
  /** The value when the parameter is absent; undefined means "not given" reaches the handler. */
  default?: T;
  /** What it means, for docs/api.md's tables (generated from the declarations). */
  meaning?: string;
  parse(raw: string): T | undefined;
  /**
   * When `parse` refuses a value, the words after the parameter's name in the error, when they can say
   * more than "must be <describe>" (a time in the past, a + lost to URL decoding).
   */
  refusal?(raw: string): string;
}

export type ParamSpecs = Record<string, ParamSpec<any>>;

/** The typed values of a parameter list: present when given or defaulted. */
export type ParamValues<S extends ParamSpecs> = {
  [K in keyof S]: S[K] extends ParamSpec<infer T> ? (S[K] extends { default: T } ? T : T | undefined) : never;
};

/** The typed values of a path's parameters: always present, since the path matched. */
export type PathValues<S extends ParamSpecs> = { [K in keyof S]: S[K] extends ParamSpec<infer T> ? T : never };

/** A spec whose type says whether it has a default, so handlers see `T` rather than `T | undefined`. */
type Spec<T, D> = ParamSpec<T> & (D extends T ? { default: T } : unknown);

export function booleanParam<D extends boolean | undefined = undefined>(defaultValue?: D): Spec<boolean, D> {
  return {
    describe: 'true|false',
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    parse: (raw: string) => (raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined),
  } as Spec<boolean, D>;
}

export function integerParam<D extends number | undefined = undefined>(min: number, max: number, defaultValue?: D): Spec<number, D> {
  return {
    describe: `an integer from ${min} to ${max}`,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    parse: (raw: string) => {
      if (!/^\d+$/.test(raw)) return undefined;
      const value = Number(raw);
      return value >= min && value <= max ? value : undefined;
    },
  } as Spec<number, D>;
}

export function enumParam<T extends string, D extends T | undefined = undefined>(values: readonly T[], defaultValue?: D): Spec<T, D> {
  return {
    describe: `one of ${values.join(', ')}`,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    parse: (raw: string) => ((values as readonly string[]).includes(raw) ? (raw as T) : undefined),
  } as Spec<T, D>;
}

/** Free text whose meaning a later step checks (a destination's name): only the empty string is refused here. */
export function textParam(describe: string): ParamSpec<string> {
  return { describe, parse: (raw) => (raw === '' ? undefined : raw) };
}

/**
 * Text whose meaning is checked here, as it is read: `check` returns undefined for a good value, or
 * the words that refuse it. The value stays the text given (the audit line records it as sent); the
 * step that uses it reads the same text with the same reader.
 */
export function checkedTextParam(describe: string, check: (raw: string) => string | undefined): ParamSpec<string> {
  return { describe, parse: (raw) => (raw !== '' && check(raw) === undefined ? raw : undefined), refusal: (raw) => (raw === '' ? `must be ${describe}` : check(raw)!) };
}

/** Gives a spec its meaning for the docs, keeping its type (and so whether it has a default). */
export function documented<P extends ParamSpec<any>>(meaning: string, spec: P): P {
  return { ...spec, meaning };
}

/**
 * Reads raw values strictly: a parameter the list does not know, one given twice, or one whose value
 * does not parse is an error that names it and says what is allowed. Absent ones take their default.
 */
export function parseParams<S extends ParamSpecs>(raw: ReadonlyMap<string, readonly string[]>, specs: S, where = 'Query parameter'): ParamValues<S> {
  const result: Record<string, unknown> = {};
  for (const [name, values] of raw) {
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) {
      const known = Object.keys(specs);
      throw new MaintenanceError(
        'UNKNOWN_PARAMETER',
        `Unknown ${where.toLowerCase()} "${name}"; ${known.length ? `allowed: ${known.join(', ')}` : 'this endpoint takes none'}.`,
      );
    }
    if (values.length > 1) throw new MaintenanceError('REPEATED_PARAMETER', `${where} "${name}" is given more than once.`);
    const value = spec.parse(values[0]!);
    if (value === undefined) throw new MaintenanceError('INVALID_PARAMETER', `${where} "${name}" ${spec.refusal?.(values[0]!) ?? `must be ${spec.describe}`}.`);
    result[name] = value;
  }
  for (const [name, spec] of Object.entries(specs)) if (!(name in result) && spec.default !== undefined) result[name] = spec.default;
  return result as ParamValues<S>;
}

/** What the index shows of a parameter list: each name with what it takes, its default and what it means. */
export function describeParams(specs: ParamSpecs): Record<string, string> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => {
      const withDefault = spec.default === undefined ? spec.describe : `${spec.describe} (default ${String(spec.default)})`;
      return [name, spec.meaning === undefined ? withDefault : `${withDefault}: ${spec.meaning}`];
    }),
  );
}

/**
 * The spec a parameter's description stands for, as `describeParams` wrote it for the index: integer
 * ranges, enumerations and booleans are checked; any other kind (a duration, a destination) accepts
 * every non-empty value and is left to the endpoint. A client checks its values against the endpoint's
 * own limits with it before sending anything.
 */
export function specFromDescription(description: string): ParamSpec<unknown> {
  const range = /^an integer from (\d+) to (\d+)/.exec(description);
  if (range !== null) return integerParam(Number(range[1]), Number(range[2]));
  if (description.startsWith('true|false')) return booleanParam();
  const values = /^one of ([\w.-]+(?:, [\w.-]+)*)(?= \(default |: |$)/.exec(description);
  if (values !== null) return enumParam(values[1]!.split(', '));
  return textParam(description);
}
