import { ConfigError } from '../errors.js';
import { SCOPES, type Scope } from './tokens.js';

/** How one parameter of an app command is given: its JSON type and the values it may take. */
export interface CommandParameter {
  type: 'string' | 'number' | 'integer' | 'boolean';
  description?: string;
  /** Absent is a 400. Default false. */
  required?: boolean;
  /** For strings: the only values allowed. */
  enum?: string[];
  /** For numbers and integers: the range allowed. */
  min?: number;
  max?: number;
  /** Kept out of the audit log (only its name is logged). */
  secret?: boolean;
}

/**
 * One of the app's own maintenance actions: the safe alternative to free-form code. It runs on the
 * app's main thread with validated parameters, and answers JSON.
 */
export interface AppCommand {
  description: string;
  /** The scope a token needs to run it. Default `command`. */
  scope?: Scope;
  parameters?: Record<string, CommandParameter>;
  /** How long its caller waits for the answer, in milliseconds. Default 30000. */
  timeoutMs?: number;
  run(parameters: Record<string, unknown>): unknown;
}

export type AppCommands = Record<string, AppCommand>;

/** What is known of a command everywhere (plain data: it crosses into the server's thread). */
export interface CommandInfo {
  name: string;
  description: string;
  scope: Scope;
  parameters: Record<string, CommandParameter>;
  timeoutMs: number;
}

/** A command with its function, on the thread that runs it. */
export interface ResolvedCommand extends CommandInfo {
  run(parameters: Record<string, unknown>): unknown;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TYPES = ['string', 'number', 'integer', 'boolean'];

export function resolveCommands(commands: unknown): ResolvedCommand[] {
  if (commands === undefined) return [];
  if (typeof commands !== 'object' || commands === null || Array.isArray(commands)) {
    throw new ConfigError('EVAL_OPTIONS', '`commands` must be an object of { description, run } by name.');
  }
  return Object.entries(commands as Record<string, unknown>).map(([name, value]) => resolveCommand(name, value));
}

function resolveCommand(name: string, value: unknown): ResolvedCommand {
  const fail = (message: string) => new ConfigError('EVAL_OPTIONS', `Command "${name}": ${message}`);
  if (!NAME.test(name)) throw new ConfigError('EVAL_OPTIONS', `Command name ${JSON.stringify(name)} must be 1-64 letters, digits, '.', '_' or '-'.`);
  const command = value as Partial<AppCommand> | null;
  if (typeof command !== 'object' || command === null || typeof command.run !== 'function') throw fail('needs a `run` function.');
  if (typeof command.description !== 'string' || command.description === '') throw fail('needs a `description`.');
  const scope = command.scope ?? 'command';
  if (!SCOPES.includes(scope)) throw fail(`unknown scope ${JSON.stringify(scope)}; known: ${SCOPES.join(', ')}.`);
  const timeoutMs = command.timeoutMs ?? 30_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) throw fail('`timeoutMs` must be an integer from 1 to 600000.');
  const parameters = command.parameters ?? {};
  if (typeof parameters !== 'object' || parameters === null) throw fail('`parameters` must be an object.');
  for (const [parameter, spec] of Object.entries(parameters)) {
    if (typeof spec !== 'object' || spec === null || !TYPES.includes(spec.type)) throw fail(`parameter "${parameter}" needs a type (${TYPES.join(', ')}).`);
    if (spec.enum !== undefined && (!Array.isArray(spec.enum) || spec.type !== 'string' || spec.enum.some((entry) => typeof entry !== 'string'))) {
      throw fail(`parameter "${parameter}": enum is for strings, as an array of strings.`);
    }
  }
  const run = command.run.bind(command);
  return { name, description: command.description, scope, parameters, timeoutMs, run };
}

/** The plain data of a command, without its function. */
export function commandInfo({ name, description, scope, parameters, timeoutMs }: CommandInfo): CommandInfo {
  return { name, description, scope, parameters, timeoutMs };
}
