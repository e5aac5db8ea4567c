import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';
import { HELP_OPTION, type Command, type CommandInput, type OptionTable } from './command-spec.js';
import { commandUsage } from './usage.js';

export const TOKEN_ON_COMMAND_LINE = 'tokens never go on the command line (ps shows them): use --token-file FILE or MAINTENANCE_ENDPOINT_TOKEN';

/** The command line asked for help rather than work. */
export const HELP_REQUESTED = Symbol('help requested');

/**
 * Parses a command's arguments with node:util's parseArgs against its declared options. A mistake
 * becomes a usage error (exit 2) that names the offending argument and shows the command's usage;
 * `--help`/`-h` anywhere before `--` wins over every other mistake, so a confused user always gets help.
 */
export function parseCommandLine(command: Command, argv: string[]): CommandInput<OptionTable> | typeof HELP_REQUESTED {
  const beforeDashes = argv.indexOf('--') === -1 ? argv : argv.slice(0, argv.indexOf('--'));
  if (beforeDashes.some((arg) => arg === '--help' || arg === '-h')) return HELP_REQUESTED;
  if (beforeDashes.some((arg) => arg === '--token' || arg.startsWith('--token='))) {
    throw new CliError(`${command.name}: ${TOKEN_ON_COMMAND_LINE}.`, 2);
  }
  const options = Object.fromEntries(
    Object.entries({ ...command.options, help: HELP_OPTION }).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.short ? { short: spec.short } : {}),
        ...(spec.default !== undefined ? { default: spec.default } : {}),
        ...(spec.multiple ? { multiple: true } : {}),
      },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new CliError(`${command.name}: ${describeParseError(error as Error & { code?: string })}\n\n${commandUsage(command)}`, 2);
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals[max]!;
    throw new CliError(`${command.name}: unexpected argument "${extra}".\n\n${commandUsage(command)}`, 2);
  }
  if (parsed.positionals.length < min) {
    throw new CliError(`${command.name}: missing ${command.arguments ?? 'argument'}.\n\n${commandUsage(command)}`, 2);
  }
  return { values: parsed.values as CommandInput<OptionTable>['values'], positionals: parsed.positionals };
}

function describeParseError(error: Error & { code?: string }): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? error.message}.`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option !== undefined && /argument missing/.test(error.message)
        ? `option ${option} needs a value.`
        : `option ${option ?? ''} takes no value.`.replace('  ', ' ');
    default:
      return error.message;
  }
}
