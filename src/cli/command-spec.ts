/**
 * The declarative shape of a CLI command: its options with their help text, its positional arguments,
 * and what it runs. Usage text and argument parsing are both generated from this one table, so the help
 * a user reads is always the parser's truth.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The placeholder shown in usage for a string option's value: FILE, URL, N... */
  value?: string;
  help: string;
  default?: string;
  /** A string option that may be given more than once (its value is then a list). */
  multiple?: boolean;
}

export type OptionTable = Record<string, OptionSpec>;

export type OptionValues<O extends OptionTable> = {
  [K in keyof O]: O[K]['type'] extends 'boolean'
    ? boolean | undefined
    : O[K]['type'] extends 'string'
      ? O[K]['default'] extends string
        ? string
        : string | undefined
      : string | boolean | undefined;
};

export interface CommandInput<O extends OptionTable> {
  values: OptionValues<O>;
  positionals: string[];
}

export interface CommandSpec<O extends OptionTable = OptionTable> {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** What follows the command name in the synopsis besides the options, e.g. `ID` or `[list | get ID]`. */
  arguments?: string;
  /** How many positional arguments it takes. */
  positionals?: { min: number; max: number };
  /** Paragraphs shown under the synopsis. */
  description?: string[];
  options: O;
  examples?: string[];
  /** Resolves with the exit code (0); failures throw CliError. */
  run(input: CommandInput<O>): Promise<number>;
}

/** A command as the dispatcher sees it, its option types erased. */
export type Command = CommandSpec<OptionTable>;

/** Declares a command; the identity function keeps the option table's literal types for `run`. */
export function defineCommand<O extends OptionTable>(spec: CommandSpec<O>): Command {
  return spec as unknown as Command;
}

/** Every command answers --help and -h; declared once here so usage lists it too. */
export const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'print this help and exit' };
