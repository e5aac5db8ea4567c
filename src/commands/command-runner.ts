import { MaintenanceError } from '../errors.js';
import type { CommandInfo, CommandParameter } from '../options/command-options.js';
import { parseBody, type FieldSpec } from '../params/body-spec.js';

/** Runs the app's commands wherever their functions live: this thread, or the app's main thread from a worker. */
export interface CommandRunner {
  readonly commands: readonly CommandInfo[];
  /** Runs a command whose parameters `checkParameters` has validated; resolves with its JSON-ready result. */
  run(command: CommandInfo, parameters: Record<string, unknown>): Promise<unknown>;
}

/** A command's JSON answer is capped: an app command is an action, not a download. */
export const MAX_RESULT_BYTES = 1024 * 1024;

/** Checks parameters against what the command declares: 400 naming the parameter on a bad one. */
export function checkParameters(command: CommandInfo, raw: Record<string, unknown>): Record<string, unknown> {
  const specs = Object.fromEntries(Object.entries(command.parameters).map(([name, parameter]) => [name, fieldOf(parameter)]));
  return parseBody(raw, specs, 'Command parameter');
}

/** Parameters as the audit line keeps them: secrets by name only, long strings cut. */
export function auditedParameters(command: CommandInfo, parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, value]) => [
      name,
      command.parameters[name]?.secret ? '[redacted]' : typeof value === 'string' && value.length > 100 ? `${value.slice(0, 100)}…` : value,
    ]),
  );
}

function fieldOf(parameter: CommandParameter): FieldSpec<unknown> {
  const range = `${parameter.min === undefined ? '' : ` ≥ ${parameter.min}`}${parameter.max === undefined ? '' : ` ≤ ${parameter.max}`}`;
  const inRange = (value: number) => (parameter.min === undefined || value >= parameter.min) && (parameter.max === undefined || value <= parameter.max);
  const base = { ...(parameter.required ? { required: true } : {}), ...(parameter.description === undefined ? {} : { meaning: parameter.description }) };
  switch (parameter.type) {
    case 'string':
      return {
        ...base,
        describe: parameter.enum ? `one of ${parameter.enum.join(', ')}` : 'a string',
        check: (value) => (typeof value === 'string' && value.length <= 10_000 && (parameter.enum === undefined || parameter.enum.includes(value)) ? value : undefined),
      };
    case 'number':
      return { ...base, describe: `a number${range}`, check: (value) => (typeof value === 'number' && Number.isFinite(value) && inRange(value) ? value : undefined) };
    case 'integer':
      return { ...base, describe: `an integer${range}`, check: (value) => (typeof value === 'number' && Number.isSafeInteger(value) && inRange(value) ? value : undefined) };
    case 'boolean':
      return { ...base, describe: 'true or false', check: (value) => (typeof value === 'boolean' ? value : undefined) };
  }
}

/**
 * Runs `run`, answering within the command's time limit. A command cannot be stopped from outside: past
 * the limit its caller gets COMMAND_TIMEOUT and the command may still finish later.
 */
export async function withinLimit<T>(command: CommandInfo, run: () => Promise<T>, lateMessage: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new MaintenanceError('COMMAND_TIMEOUT', lateMessage, { details: { timeoutMs: command.timeoutMs } })), command.timeoutMs);
  });
  try {
    return await Promise.race([run(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The command's result as JSON data, or COMMAND_FAILED when it cannot be (a cycle, a BigInt, too large). */
export function jsonResult(result: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch (error) {
    throw new MaintenanceError('COMMAND_FAILED', `The command's result is not JSON: ${(error as Error).message}`);
  }
  if (text === undefined) return null;
  if (Buffer.byteLength(text) > MAX_RESULT_BYTES) throw new MaintenanceError('COMMAND_FAILED', `The command's result is larger than ${MAX_RESULT_BYTES} bytes of JSON.`);
  return JSON.parse(text) as unknown;
}

/** What a caller may see of a command's failure: its message, never its stack. */
export function failureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 1000 ? `${message.slice(0, 1000)}…` : message;
}
