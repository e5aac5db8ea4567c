import { ConfigError } from '../errors.js';

/** What a rule's `do` may name: the artifacts a rule can leave in the dump store. */
export const RULE_ACTION_KINDS = ['stack', 'cpuprofile', 'heapprofile', 'heapsnapshot', 'census', 'report'] as const;
export type RuleActionKind = (typeof RULE_ACTION_KINDS)[number];

/** The conditions a rule watches; exactly one per rule. */
export type RuleCondition =
  /** The main thread has not turned for this long (worker mode: read off the main thread while it is stuck). */
  | { type: 'loopBlockedMs'; threshold: number }
  /** The V8 heap in use, in percent of V8's heap limit. */
  | { type: 'heapPercentOfLimit'; threshold: number }
  /** The resident set, in percent of `memoryLimit`, else the cgroup's memory.max, else physical memory. */
  | { type: 'rssPercentOfLimit'; threshold: number }
  /** Event-loop utilization (0 to 1), above the threshold for `forSeconds`. */
  | { type: 'elu'; threshold: number; forSeconds: number }
  /** The event-loop delay's p99 in milliseconds, above the threshold for `forSeconds`. */
  | { type: 'loopDelayP99Ms'; threshold: number; forSeconds: number }
  /** The process's CPU time, in percent of one core, above the threshold for `forSeconds`. */
  | { type: 'cpuPercent'; threshold: number; forSeconds: number }
  /** The leak verdict turns to `leak`. */
  | { type: 'leak' }
  /** At least `count` of the app's HTTP responses within `withinSeconds` took longer than the threshold (ms). */
  | { type: 'httpSlowerThanMs'; threshold: number; count: number; withinSeconds: number }
  /** At least `count` of the app's HTTP responses within `withinSeconds` had a status from `from` to `to`. */
  | { type: 'httpStatus'; from: number; to: number; count: number; withinSeconds: number };

/** The conditions on the app's own HTTP traffic, watched through diagnostics_channel only when a rule has one. */
export type HttpRuleCondition = Extract<RuleCondition, { type: 'httpSlowerThanMs' | 'httpStatus' }>;

export const isHttpCondition = (condition: RuleCondition): condition is HttpRuleCondition => condition.type === 'httpSlowerThanMs' || condition.type === 'httpStatus';

export type RuleConditionType = RuleCondition['type'];

export interface RuleAction {
  kind: RuleActionKind;
  /** The artifact's parameters, as given (checked against the kind's own parameters when the endpoint starts). */
  params: Record<string, string | number | boolean>;
}

/** A rule as the user writes it in the options. */
export interface RuleOptions {
  name: string;
  when: Record<string, unknown>;
  do: Array<RuleActionKind | Partial<Record<RuleActionKind, Record<string, string | number | boolean>>>>;
  /** At most `count` firings in any `perSeconds`; default once an hour. */
  limit?: { count: number; perSeconds: number };
  /** Seconds after a firing before the rule may fire again; default 60. */
  cooldownSeconds?: number;
}

export interface ResolvedRule {
  name: string;
  when: RuleCondition;
  do: RuleAction[];
  limit: { count: number; perSeconds: number };
  cooldownSeconds: number;
}

const RULE_KEYS = ['name', 'when', 'do', 'limit', 'cooldownSeconds'];
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const SUSTAINED: readonly RuleConditionType[] = ['elu', 'loopDelayP99Ms', 'cpuPercent'];
const HTTP: readonly RuleConditionType[] = ['httpSlowerThanMs', 'httpStatus'];
const CONDITION_TYPES: readonly RuleConditionType[] = ['loopBlockedMs', 'heapPercentOfLimit', 'rssPercentOfLimit', 'elu', 'loopDelayP99Ms', 'cpuPercent', 'leak', ...HTTP];
/** Most responses an HTTP condition counts: each is a timestamp kept in shared memory. */
export const MAX_HTTP_COUNT = 1000;
const DEFAULT_LIMIT = { count: 1, perSeconds: 3600 };
const DEFAULT_COOLDOWN_SECONDS = 60;
const DEFAULT_FOR_SECONDS = 10;
/** The live figures cover fifteen minutes; a condition must hold within what they keep. */
const MAX_FOR_SECONDS = 600;
const MAX_RULES = 32;
const MAX_ACTIONS = 8;

const fail = (path: string, must: string): ConfigError => new ConfigError('INVALID_OPTIONS', `\`${path}\` ${must}`);

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads `rules` strictly: every mistake, an unknown key inside a rule included, refuses the start and
 * names the option's path (`rules[1].when.elu`). Action parameters are checked against the artifact
 * kinds' own declarations where those live (rules/rule-actions.ts).
 */
export function resolveRules(value: unknown): ResolvedRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw fail('rules', 'must be an array of rules ({ name, when, do, limit, cooldownSeconds }).');
  if (value.length > MAX_RULES) throw fail('rules', `may hold at most ${MAX_RULES} rules.`);
  const names = new Set<string>();
  return value.map((rule, index) => {
    const path = `rules[${index}]`;
    const resolved = resolveRule(rule, path);
    if (names.has(resolved.name)) throw fail(`${path}.name`, `repeats the name "${resolved.name}": each rule needs its own.`);
    names.add(resolved.name);
    return resolved;
  });
}

function resolveRule(rule: unknown, path: string): ResolvedRule {
  if (!isPlainObject(rule)) throw fail(path, 'must be an object { name, when, do, limit, cooldownSeconds }.');
  refuseUnknownKeys(rule, RULE_KEYS, path);
  if (typeof rule.name !== 'string' || !NAME.test(rule.name)) throw fail(`${path}.name`, 'must be 1 to 64 letters, digits, ".", "_" or "-".');
  return {
    name: rule.name,
    when: resolveCondition(rule.when, `${path}.when`),
    do: resolveActions(rule.do, `${path}.do`),
    limit: resolveLimit(rule.limit, `${path}.limit`),
    cooldownSeconds: rule.cooldownSeconds === undefined ? DEFAULT_COOLDOWN_SECONDS : nonNegativeInteger(rule.cooldownSeconds, `${path}.cooldownSeconds`),
  };
}

function resolveCondition(when: unknown, path: string): RuleCondition {
  if (!isPlainObject(when)) throw fail(path, `must be an object with one of ${CONDITION_TYPES.join(', ')}.`);
  const types = Object.keys(when).filter((key) => (CONDITION_TYPES as readonly string[]).includes(key)) as RuleConditionType[];
  if (types.length !== 1) throw fail(path, `must give exactly one of ${CONDITION_TYPES.join(', ')}${types.length > 1 ? `, not ${types.join(' and ')}` : ''}.`);
  const type = types[0]!;
  const sustained = SUSTAINED.includes(type);
  refuseUnknownKeys(when, sustained ? [type, 'forSeconds'] : HTTP.includes(type) ? [type, 'count', 'withinSeconds'] : [type], path);
  const value = when[type];
  const at = `${path}.${type}`;
  switch (type) {
    case 'leak':
      if (value !== true) throw fail(at, 'must be true.');
      return { type };
    case 'loopBlockedMs':
      return { type, threshold: integerIn(value, at, 100, 3_600_000) };
    case 'heapPercentOfLimit':
    case 'rssPercentOfLimit':
      return { type, threshold: numberIn(value, at, 0, 100, 'above 0 and below 100') };
    case 'elu':
    case 'loopDelayP99Ms':
    case 'cpuPercent': {
      const forSeconds = when.forSeconds === undefined ? DEFAULT_FOR_SECONDS : integerIn(when.forSeconds, `${path}.forSeconds`, 1, MAX_FOR_SECONDS);
      if (type === 'elu') return { type, threshold: numberIn(value, at, 0, 1, 'above 0 and below 1'), forSeconds };
      if (type === 'loopDelayP99Ms') return { type, threshold: integerIn(value, at, 1, 3_600_000), forSeconds };
      return { type, threshold: numberIn(value, at, 0, 100_000, 'above 0 (100 is one core)'), forSeconds };
    }
    case 'httpSlowerThanMs':
    case 'httpStatus': {
      const count = when.count === undefined ? 1 : integerIn(when.count, `${path}.count`, 1, MAX_HTTP_COUNT);
      const withinSeconds = when.withinSeconds === undefined ? 60 : integerIn(when.withinSeconds, `${path}.withinSeconds`, 1, 86_400);
      if (type === 'httpSlowerThanMs') return { type, threshold: integerIn(value, at, 1, 3_600_000), count, withinSeconds };
      return { type, ...statusRange(value, at), count, withinSeconds };
    }
  }
}

function resolveActions(actions: unknown, path: string): RuleAction[] {
  if (!Array.isArray(actions) || actions.length === 0 || actions.length > MAX_ACTIONS) {
    throw fail(path, `must be a list of 1 to ${MAX_ACTIONS} actions, each a kind's name or { kind: parameters } (kinds: ${RULE_ACTION_KINDS.join(', ')}).`);
  }
  return actions.map((action, index) => {
    const at = `${path}[${index}]`;
    if (typeof action === 'string') {
      if (!isActionKind(action)) throw fail(at, `must be one of ${RULE_ACTION_KINDS.join(', ')}.`);
      return { kind: action, params: {} };
    }
    if (!isPlainObject(action) || Object.keys(action).length !== 1) throw fail(at, `must be a kind's name or an object with one kind as its key, e.g. { cpuprofile: { seconds: 2 } }.`);
    const kind = Object.keys(action)[0]!;
    if (!isActionKind(kind)) throw fail(`${at}.${kind}`, `is not an action; kinds: ${RULE_ACTION_KINDS.join(', ')}.`);
    const params = action[kind];
    if (!isPlainObject(params)) throw fail(`${at}.${kind}`, 'must be an object of parameters.');
    for (const [name, parameter] of Object.entries(params)) {
      if (!['string', 'number', 'boolean'].includes(typeof parameter)) throw fail(`${at}.${kind}.${name}`, 'must be a string, a number or a boolean.');
    }
    return { kind, params: { ...(params as Record<string, string | number | boolean>) } };
  });
}

function resolveLimit(limit: unknown, path: string): ResolvedRule['limit'] {
  if (limit === undefined) return { ...DEFAULT_LIMIT };
  if (!isPlainObject(limit)) throw fail(path, 'must be an object { count, perSeconds }.');
  refuseUnknownKeys(limit, ['count', 'perSeconds'], path);
  return { count: integerIn(limit.count, `${path}.count`, 1, 1000), perSeconds: integerIn(limit.perSeconds, `${path}.perSeconds`, 1, 30 * 86_400) };
}

/** `"500-599"`, `"503"` or 503. */
function statusRange(value: unknown, path: string): { from: number; to: number } {
  const match = typeof value === 'number' ? [String(value), String(value), undefined] : typeof value === 'string' ? /^(\d{3})(?:-(\d{3}))?$/.exec(value) : null;
  const from = Number(match?.[1]);
  const to = Number(match?.[2] ?? match?.[1]);
  if (match === null || !(from >= 100 && to <= 599 && from <= to)) throw fail(path, 'must be a status or a range of statuses from 100 to 599, e.g. "500-599" or 503.');
  return { from, to };
}

function refuseUnknownKeys(object: Record<string, unknown>, known: readonly string[], path: string): void {
  for (const key of Object.keys(object)) if (!known.includes(key)) throw fail(`${path}.${key}`, `is not a known key; allowed here: ${known.join(', ')}.`);
}

function isActionKind(value: string): value is RuleActionKind {
  return (RULE_ACTION_KINDS as readonly string[]).includes(value);
}

function integerIn(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw fail(path, `must be an integer from ${min} to ${max}.`);
  return value;
}

function nonNegativeInteger(value: unknown, path: string): number {
  return integerIn(value, path, 0, 30 * 86_400);
}

function numberIn(value: unknown, path: string, above: number, below: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= above || value >= below) throw fail(path, `must be a number ${what}.`);
  return value;
}
