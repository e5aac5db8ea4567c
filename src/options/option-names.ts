import { closest, distance } from 'fastest-levenshtein';
import { ConfigError } from '../errors.js';
import type { AppCommand, CommandParameter } from './command-options.js';
import type { S3DestinationOptions } from './egress-options.js';
import type { EvalOptions } from './eval-options.js';
import type { DumpOptions, HealthProbeOptions, MaintenanceOptions, RateLimitOptions, WindowLimit } from './resolve-options.js';
import type { RuleOptions } from './rules-options.js';
import type { RecorderOptions } from './recorder-options.js';
import type { TokenSpec } from './tokens.js';

/**
 * The names an options object may hold, nested: `true` for a leaf (whatever its value), a table for an
 * object whose names are checked in turn, `{ entries }` for a record of user-chosen names (egress
 * destinations, commands) or an array whose every entry has that shape. Typed against the options'
 * interfaces, so a new option cannot ship without its name here.
 */
export type OptionNames<T> = { [K in keyof Required<T>]: OptionShape };
export type OptionShape = true | { [name: string]: OptionShape } | { entries: OptionShape };

const isEntries = (shape: OptionShape): shape is { entries: OptionShape } => typeof shape === 'object' && Object.keys(shape).length === 1 && 'entries' in shape;

const WINDOW: OptionNames<WindowLimit> = { windowMs: true, limit: true };
const RATE_LIMIT: OptionNames<RateLimitOptions> = { all: WINDOW, heavy: WINDOW, authFailures: WINDOW, keyGenerator: true };
const DUMPS: OptionNames<DumpOptions> = { directory: true, maxBytes: true, maxFiles: true, maxAgeSeconds: true, maxPendingJobs: true, reserveBytes: true };
const HEALTH_PROBES: OptionNames<HealthProbeOptions> = { unresponsiveAfterSeconds: true, rateLimit: WINDOW };
const TOKEN: OptionNames<TokenSpec> = { id: true, token: true, scopes: true };
const EVAL: OptionNames<EvalOptions> = { enabled: true, allowSideEffects: true, maxTimeoutMs: true, memoryBudgetBytes: true };
const COMMAND_PARAMETER: OptionNames<CommandParameter> = { type: true, description: true, required: true, enum: true, min: true, max: true, secret: true };
const COMMAND: OptionNames<AppCommand> = { description: true, scope: true, parameters: { entries: COMMAND_PARAMETER }, timeoutMs: true, run: true };

// A rule's `when` and `do` are checked name by name by their resolver (rules-options.ts), which knows which names go together.
const RULE: OptionNames<RuleOptions> = { name: true, when: true, do: true, limit: { count: true, perSeconds: true }, cooldownSeconds: true };

const RECORDER: OptionNames<RecorderOptions> = { enabled: true, spillSeconds: true, samplingIntervalBytes: true };

const DESTINATION: OptionNames<S3DestinationOptions> = {
  type: true,
  bucket: true,
  prefix: true,
  region: true,
  endpoint: true,
  forcePathStyle: true,
  credentials: { accessKeyId: true, secretAccessKey: true, sessionToken: true },
  serverSideEncryption: true,
  sseKmsKeyId: true,
  presignSeconds: true,
  keyTemplate: true,
  partSize: true,
  queueSize: true,
};

/** The `egress` option: destinations by name (also the content of `serve --egress-config FILE`). */
export const EGRESS_NAMES: OptionShape = { entries: DESTINATION };

/** The `rules` option: an array of rules (also the content of `serve --rules-file FILE`). */
export const RULES_NAMES: OptionShape = { entries: RULE };

/** Every option `maintenanceRouter()` takes; the out-of-band server adds its own. */
export const MAINTENANCE_OPTION_NAMES: OptionNames<MaintenanceOptions> = {
  tokens: { entries: TOKEN },
  tokensFile: true,
  tokensEnv: true,
  allowedHosts: true,
  rateLimit: RATE_LIMIT,
  spillThresholdBytes: true,
  tmpdir: true,
  stallTimeoutSeconds: true,
  dumps: DUMPS,
  storeDir: true,
  leakWindowSeconds: true,
  reportAllowedArguments: true,
  maxProfileSeconds: true,
  auditLog: true,
  trustProxy: true,
  healthProbes: HEALTH_PROBES,
  memoryLimit: true,
  egress: EGRESS_NAMES,
  eval: EVAL,
  commands: { entries: COMMAND },
  rules: RULES_NAMES,
  recorder: RECORDER,
};

/**
 * Refuses an option whose name is not known, with its path and the nearest known name: a misspelt
 * `memoryLimt` or `storedir` would otherwise be ignored and silently turn a safety feature off. Values
 * are checked later, by the resolver of each option; only objects are walked here.
 */
export function checkOptionNames(options: unknown, shape: OptionShape, path = ''): void {
  if (shape === true || typeof options !== 'object' || options === null) return;
  if (isEntries(shape)) {
    for (const [key, value] of Object.entries(options)) checkOptionNames(value, shape.entries, Array.isArray(options) ? `${path}[${key}]` : join(path, key));
    return;
  }
  if (Array.isArray(options)) return;
  const known = Object.keys(shape);
  for (const [name, value] of Object.entries(options)) {
    if (!Object.hasOwn(shape, name)) throw new ConfigError('UNKNOWN_OPTION', `${join(path, name)}: unknown option; ${suggestion(name, known)}`);
    checkOptionNames(value, shape[name as keyof typeof shape] as OptionShape, join(path, name));
  }
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** The nearest known name when it is near enough to be a slip of the keyboard, else every known name. */
function suggestion(name: string, known: string[]): string {
  if (known.length === 0) return 'none is taken here.';
  const nearest = known.find((candidate) => candidate.toLowerCase() === name.toLowerCase()) ?? closest(name, known);
  return distance(name.toLowerCase(), nearest.toLowerCase()) <= Math.max(2, Math.floor(name.length / 3))
    ? `did you mean ${nearest}?`
    : `known here: ${known.join(', ')}.`;
}
